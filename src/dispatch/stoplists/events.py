"""Stop events: a driver arrived at a stop, completed it, or could not.

Each event locks the route (so events of one route are applied one after the other and
the "route completed" check sees them all), checks the stop's state machine and the
event's time, works out where the driver was, applies the order or return change the
event means, and writes the event row and its outbox event, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import OrderStatus
from dispatch.orders.lifecycle import deliver_order, depart_order, fail_order
from dispatch.orders.models import Order
from dispatch.returns.models import Return
from dispatch.returns.requests import pick_up, release_pickup
from dispatch.stoplists.departure import depart_route
from dispatch.stoplists.domain import (
    Distance,
    RouteStatus,
    StopKind,
    StopStatus,
    check_event_time,
    check_position,
    check_recipient,
    check_stop_transition,
    distance_from_stop,
    eta_error,
    position_is_current,
    route_finished,
)
from dispatch.stoplists.models import DriverRoute, ProofOfDelivery, RouteStop, StopEvent
from dispatch.stoplists.reading import own_stop, stop_read
from dispatch.stoplists.schemas import (
    ArrivedIn,
    CompletedIn,
    FailedIn,
    StopEventRead,
    StopEventResult,
)
from dispatch.tracking.eta import EtaLimits, refresh_route
from dispatch.tracking.models import DriverPosition

EVENT_TYPES = {
    StopStatus.ARRIVED: EventType.STOP_ARRIVED,
    StopStatus.COMPLETED: EventType.STOP_COMPLETED,
    StopStatus.FAILED: EventType.STOP_FAILED,
}


@dataclass(frozen=True)
class StopRules:
    """Tolerances from settings: how far counts as far, how old a position may be."""

    far_meters: float = 250.0
    position_max_age: timedelta = timedelta(minutes=15)
    eta_limits: EtaLimits | None = None


@dataclass
class _Event:
    """One event being applied: the locked rows and what the driver reported."""

    db: Session
    principal: Principal
    route: DriverRoute
    stop: RouteStop
    at: datetime


def _lock(db: Session, stop_id: int, driver_id: int) -> tuple[DriverRoute, RouteStop]:
    """The driver's stop (404 otherwise) and its route, route locked first, then stop."""
    stop = own_stop(db, stop_id, driver_id)
    route = db.scalars(select(DriverRoute).where(DriverRoute.id == stop.route_id)
                       .options(selectinload(DriverRoute.stops))
                       .with_for_update(of=DriverRoute)).one()
    db.refresh(stop, with_for_update=True)
    return route, stop


def _where(db: Session, driver_id: int, stop: RouteStop, lat: float | None, lon: float | None,
           at: datetime, rules: StopRules) -> tuple[float | None, float | None, Distance]:
    """Where the driver was: the reported point, else their last position if it was taken
    near the event's time; and how far that is from the stop."""
    check_position(lat, lon)
    if lat is None:
        position = db.get(DriverPosition, driver_id)
        if position is not None and position_is_current(position.recorded_at, at,
                                                         rules.position_max_age):
            lat, lon = position.lat, position.lon
    return lat, lon, distance_from_stop(stop.lat, stop.lon, lat, lon,
                                        far_meters=rules.far_meters)


def _order_on_board(db: Session, order_id: int, actor_user_id: int) -> Order:
    """The stop's order, locked and out for delivery: one still planned (put on a route
    that had already departed) goes out now, since the driver evidently has it."""
    order = db.scalars(select(Order).where(Order.id == order_id)
                       .options(selectinload(Order.lines)).with_for_update(of=Order)).one()
    if order.status == OrderStatus.PLANNED.value:
        depart_order(db, order, actor_user_id=actor_user_id)
    return order


def _lock_return(db: Session, return_id: int) -> Return:
    return db.scalars(select(Return).where(Return.id == return_id)
                      .with_for_update(of=Return)).one()


def _apply(uow: UnitOfWork, principal: Principal, stop_id: int, target: StopStatus,
           cmd: ArrivedIn | CompletedIn | FailedIn, rules: StopRules, now: datetime | None,
           effect: Callable[[_Event], None], *, reason: str | None = None,
           note: str | None = None) -> StopEventResult:
    """Everything the three events share, around ``effect`` (the order/return change)."""
    now = now or utcnow()
    with uow:
        db = uow.db
        route, stop = _lock(db, stop_id, principal.driver_id)
        check_stop_transition(StopStatus(stop.status), target)
        if route.status != RouteStatus.ACTIVE.value:
            raise Conflict(f"route {route.id} is {route.status}, no longer active",
                           field="stop_id", route_status=route.status)
        at = cmd.at or now
        check_event_time(at, now=now, started=route.created_at, arrived_at=stop.arrived_at)
        lat, lon, distance = _where(db, principal.driver_id, stop, cmd.lat, cmd.lon, at, rules)
        if route.departed_at is None:
            depart_route(db, route, actor_user_id=principal.user_id, at=at)
        effect(_Event(db, principal, route, stop, at))
        stop.status = target.value
        stop.version += 1
        event = StopEvent(stop_id=stop.id, driver_id=principal.driver_id, kind=target.value,
                          reason=reason, note=note, lat=lat, lon=lon,
                          distance_from_stop_m=distance.meters, flagged_far=distance.flagged_far,
                          occurred_at=at)
        db.add(event)
        if route_finished(s.status for s in route.stops):
            route.status = RouteStatus.COMPLETED.value
        route.version += 1
        _publish(db, route, stop, event)
        refresh_route(db, route.id, now=at, limits=rules.eta_limits)
        db.flush()
        result = StopEventResult(
            event=StopEventRead.model_validate(event),
            stop=stop_read(db, stop, full_names=False),
            route_status=route.status, route_version=route.version,
        )
        uow.commit()
        return result


def _publish(db: Session, route: DriverRoute, stop: RouteStop, event: StopEvent) -> None:
    order_id = stop.order_id
    if order_id is None and stop.return_id is not None:
        order_id = db.get(Return, stop.return_id).order_id
    publish(db, EVENT_TYPES[StopStatus(event.kind)], {
        "route_id": route.id, "stop_id": stop.id, "driver_id": route.driver_id,
        "warehouse_id": route.warehouse_id, "kind": stop.kind, "order_id": order_id, "return_id": stop.return_id,
        "at": event.occurred_at.isoformat(), "reason": event.reason,
        "distance_from_stop_m": event.distance_from_stop_m, "flagged_far": event.flagged_far,
    }, order_id=order_id, driver_id=route.driver_id, occurred_at=event.occurred_at)


def arrive(uow: UnitOfWork, principal: Principal, stop_id: int, cmd: ArrivedIn, *,
           rules: StopRules = StopRules(), now: datetime | None = None) -> StopEventResult:
    """The driver is at the stop; the arrival is measured against the latest ETA."""

    def effect(e: _Event) -> None:
        measured = eta_error(e.at, e.stop.eta, e.route.eta_updated_at or e.route.created_at)
        e.stop.arrived_at = e.at
        e.stop.eta_error_seconds = measured.error_seconds
        e.stop.eta_lead_seconds = measured.lead_seconds

    return _apply(uow, principal, stop_id, StopStatus.ARRIVED, cmd, rules, now, effect)


def complete(uow: UnitOfWork, principal: Principal, stop_id: int, cmd: CompletedIn, *,
             rules: StopRules = StopRules(), now: datetime | None = None) -> StopEventResult:
    """Handed over (the order is delivered: stock shipped, payment captured) or collected
    (the return is picked up); who took or gave the parcel is kept as proof."""

    def effect(e: _Event) -> None:
        kind = StopKind(e.stop.kind)
        check_recipient(kind, cmd.recipient_name)
        if kind is StopKind.DELIVERY:
            order = _order_on_board(e.db, e.stop.order_id, e.principal.user_id)
            deliver_order(e.db, order, cmd.recipient_name, actor_user_id=e.principal.user_id,
                          at=e.at)
        else:
            pick_up(e.db, _lock_return(e.db, e.stop.return_id),
                    actor_user_id=e.principal.user_id, at=e.at)
        e.stop.finished_at = e.at
        e.db.add(ProofOfDelivery(stop_id=e.stop.id, recipient_name=cmd.recipient_name))

    return _apply(uow, principal, stop_id, StopStatus.COMPLETED, cmd, rules, now, effect,
                  note=cmd.note)


def fail(uow: UnitOfWork, principal: Principal, stop_id: int, cmd: FailedIn, *,
         rules: StopRules = StopRules(), now: datetime | None = None) -> StopEventResult:
    """Not possible this time: the order goes back to ready (attempt counted) or the
    return stays approved, in both cases with no driver, for the next wave."""

    def effect(e: _Event) -> None:
        if StopKind(e.stop.kind) is StopKind.DELIVERY:
            order = _order_on_board(e.db, e.stop.order_id, e.principal.user_id)
            fail_order(e.db, order, cmd.reason.value, actor_user_id=e.principal.user_id)
        else:
            release_pickup(_lock_return(e.db, e.stop.return_id))
        e.stop.finished_at = e.at
        e.stop.failure_reason = cmd.reason.value

    return _apply(uow, principal, stop_id, StopStatus.FAILED, cmd, rules, now, effect,
                  reason=cmd.reason.value, note=cmd.note)
