"""Creating and listing drivers."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.fleet.models import Driver
from dispatch.fleet.schemas import DriverCreate, DriverRead
from dispatch.stock.catalog import require_warehouse


def create_driver(uow: UnitOfWork, cmd: DriverCreate) -> DriverRead:
    with uow:
        require_warehouse(uow.db, cmd.warehouse_id)
        driver = Driver(**cmd.model_dump())
        uow.db.add(driver)
        uow.db.flush()
        uow.commit()
        return DriverRead.model_validate(driver)


def list_drivers(
    uow: UnitOfWork, *, warehouse_id: int | None, limit: int, after: int | None
) -> tuple[list[DriverRead], str | None]:
    with uow:
        query = keyset(select(Driver), Driver.id, limit=limit, after=after)
        if warehouse_id is not None:
            query = query.where(Driver.warehouse_id == warehouse_id)
        rows = [DriverRead.model_validate(d) for d in uow.db.scalars(query)]
    return page_of(rows, limit)


def get_driver(uow: UnitOfWork, driver_id: int) -> DriverRead:
    with uow:
        driver = uow.db.get(Driver, driver_id)
        if driver is None:
            raise NotFound(f"driver {driver_id} does not exist", field="driver_id")
        return DriverRead.model_validate(driver)
