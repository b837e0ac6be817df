"""Keyset paging for list queries: stable under inserts, cheap at any depth."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute


def keyset(query: Select, id_column: InstrumentedAttribute, *, limit: int,
           after: int | None, descending: bool = False) -> Select:
    """``query`` limited to ``limit + 1`` rows after id ``after`` (``page_of`` splits them)."""
    query = query.order_by(id_column.desc() if descending else id_column).limit(limit + 1)
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    return query
