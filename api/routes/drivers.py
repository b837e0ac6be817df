"""Drivers: dispatchers and admins manage them; a driver sees their own record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.deps import PageDep, UowDep, caller, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.fleet import service
from dispatch.fleet.schemas import DriverCreate, DriverRead
from dispatch.tracking import locations
from dispatch.tracking.locations import PingIn, PingResult, PositionRead

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


@router.post("/me/location", responses={429: {"description": "pinging too often"}})
def report_location(body: PingIn, request: Request, uow: UowDep,
                    principal: caller(Role.DRIVER)) -> PingResult:
    """A position ping; impossible ones get 422 naming the field, late ones are kept
    without moving the current position."""
    request.app.state.ping_limiter.check(principal.driver_id)
    return locations.record_ping(uow, principal.driver_id, body)


@router.get("/{driver_id}/position", dependencies=[Managers])
def driver_position(driver_id: Id, uow: UowDep) -> PositionRead:
    service.get_driver(uow, driver_id)
    return locations.current_position(uow, driver_id)


@router.get("/{driver_id}", dependencies=[Managers])
def get_driver(driver_id: Id, uow: UowDep) -> DriverRead:
    return service.get_driver(uow, driver_id)
