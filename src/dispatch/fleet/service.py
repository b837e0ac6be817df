"""Creating and listing drivers."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.db.crud import read_one, read_page
from dispatch.db.uow import UnitOfWork
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
    query = select(Driver)
    if warehouse_id is not None:
        query = query.where(Driver.warehouse_id == warehouse_id)
    return read_page(uow, query, Driver.id, DriverRead, limit=limit, after=after)


def get_driver(uow: UnitOfWork, driver_id: int) -> DriverRead:
    return read_one(uow, Driver, driver_id, DriverRead, what="driver", field="driver_id")
