"""The plain create / read-one / read-a-page steps that catalogue-like resources share."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, NotFound

R = TypeVar("R", bound=BaseModel)


def add_unique(uow: UnitOfWork, row: Any, read: type[R], *, taken: str, field: str) -> R:
    """Insert ``row``; a unique-key clash is a 409 naming ``field``."""
    with uow:
        uow.db.add(row)
        try:
            uow.db.flush()
        except IntegrityError:
            raise Conflict(taken, field=field) from None
        uow.commit()
        return read.model_validate(row)


def read_one(uow: UnitOfWork, model: type, row_id: int, read: type[R], *, what: str,
             field: str) -> R:
    """One row as its response body; 404 naming ``field`` when it does not exist."""
    with uow:
        row = uow.db.get(model, row_id)
        if row is None:
            raise NotFound(f"{what} {row_id} does not exist", field=field)
        return read.model_validate(row)


def read_page(uow: UnitOfWork, query: Select, id_column: InstrumentedAttribute, read: type[R],
              *, limit: int, after: int | None) -> tuple[list[R], str | None]:
    """One keyset page of ``query`` as response bodies, and the cursor to the next."""
    with uow:
        rows = [read.model_validate(r)
                for r in uow.db.scalars(keyset(query, id_column, limit=limit, after=after))]
    return page_of(rows, limit)
