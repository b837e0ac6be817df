"""Drivers: dispatchers and admins manage them; a driver sees their own record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import PageDep, UowDep, caller, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.fleet import service
from dispatch.fleet.schemas import DriverCreate, DriverRead

router = APIRouter(prefix="/drivers", tags=["drivers"])

Managers = Depends(require(Role.ADMIN, Role.DISPATCHER))


@router.post("", status_code=201, dependencies=[Managers])
def create_driver(body: DriverCreate, uow: UowDep) -> DriverRead:
    return service.create_driver(uow, body)


@router.get("", dependencies=[Managers])
def list_drivers(
    uow: UowDep, page: PageDep, warehouse_id: Annotated[Id | None, Query()] = None
) -> Page[DriverRead]:
    items, cursor = service.list_drivers(
        uow, warehouse_id=warehouse_id, limit=page.limit, after=page.after
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/me")
def my_driver_record(uow: UowDep, principal: caller(Role.DRIVER)) -> DriverRead:
    return service.get_driver(uow, principal.driver_id)


@router.get("/{driver_id}", dependencies=[Managers])
def get_driver(driver_id: Id, uow: UowDep) -> DriverRead:
    return service.get_driver(uow, driver_id)
