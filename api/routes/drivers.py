"""Drivers: dispatchers and admins manage them; a driver sees their own record."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import IfMatchDep, PageDep, UowDep, caller, etag, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page, UtcDatetime
from dispatch.fleet import service, shifts
from dispatch.fleet.schemas import DriverCreate, DriverRead, ShiftCreate, ShiftRead
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
async def report_location(body: PingIn, request: Request,
                          principal: caller(Role.DRIVER)) -> PingResult:
    """A position ping; impossible ones get 422 naming the field, late ones are kept
    without moving the current position. Answered once the ping is stored (pings
    arriving together share a transaction: ``dispatch.tracking.ping_writer``)."""
    request.app.state.ping_limiter.check(principal.driver_id)
    writer = request.app.state.ping_writer
    return await asyncio.wrap_future(writer.submit(principal.driver_id, body))


@router.get("/{driver_id}/position", dependencies=[Managers])
def driver_position(driver_id: Id, uow: UowDep) -> PositionRead:
    service.get_driver(uow, driver_id)
    return locations.current_position(uow, driver_id)


@router.get("/{driver_id}", dependencies=[Managers])
def get_driver(driver_id: Id, uow: UowDep) -> DriverRead:
    return service.get_driver(uow, driver_id)


@router.post("/{driver_id}/shifts", status_code=201, dependencies=[Managers],
             responses={409: {"description": "overlaps another shift of the driver"}})
def add_shift(driver_id: Id, body: ShiftCreate, uow: UowDep, response: Response) -> ShiftRead:
    """A working period of at most 16 h; planning routes the driver only inside shifts."""
    shift = shifts.create_shift(uow, driver_id, body)
    response.headers["ETag"] = etag(shift.version)
    response.headers["Location"] = f"/drivers/{driver_id}/shifts/{shift.id}"
    return shift


@router.get("/{driver_id}/shifts", dependencies=[Managers])
def list_shifts(
    driver_id: Id, uow: UowDep, page: PageDep,
    from_: Annotated[UtcDatetime | None, Query(alias="from",
                                               description="shifts ending after this")] = None,
    to: Annotated[UtcDatetime | None, Query(description="shifts starting before this")] = None,
) -> Page[ShiftRead]:
    items, cursor = shifts.list_shifts(uow, driver_id, ends_after=from_, starts_before=to,
                                       limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.post("/{driver_id}/shifts/{shift_id}/cancel", dependencies=[Managers])
def cancel_shift(driver_id: Id, shift_id: Id, uow: UowDep, if_match: IfMatchDep,
                 response: Response) -> ShiftRead:
    shift = shifts.cancel_shift(uow, driver_id, shift_id, if_match)
    response.headers["ETag"] = etag(shift.version)
    return shift
