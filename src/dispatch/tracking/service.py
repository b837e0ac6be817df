"""The customer's view of one order, found by its tracking token.

A token reveals exactly one order. The driver's first name shows only while the order
is on a route, their approximate position only while they are out for delivery and a few
stops away; other orders' stops are only ever counted, never shown. Links stop revealing
anything ``reveal_days`` after the order ended (delivered or cancelled), and an expired
or unknown token is the same 404. The lookup is a handful of indexed reads and no
solving: customers refresh this page every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.fleet.models import Driver
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order, OrderEvent, OrderLine
from dispatch.returns.domain import returnable_quantities
from dispatch.returns.reading import units_in_returns
from dispatch.settings import Settings
from dispatch.stock.models import Sku
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPosition
from dispatch.tracking.schemas import (
    ApproximatePosition,
    EtaWindow,
    Point,
    ReturnableLine,
    TimelineEntry,
    TrackedDriver,
    TrackedLine,
    TrackingRead,
)
from dispatch.tracking.tokens import TOKEN_PATTERN

ON_ROUTE = frozenset({OrderStatus.PLANNED.value, OrderStatus.OUT_FOR_DELIVERY.value})
ENDED = frozenset({OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value})
ACTIVE_ROUTE = "active"
OPEN_STOP = ("pending", "arrived")
POSITION_DECIMALS = 3  # ~110 m of latitude: the street, not the house
RESCHEDULED_BY_CUSTOMER = "rescheduled by customer"
# Timeline reasons the customer may read; any other reason is staff-internal.
_CUSTOMER_NOTES = {RESCHEDULED_BY_CUSTOMER: "new delivery window chosen"}


@dataclass(frozen=True)
class TrackingRules:
    """What a link reveals and allows, from the service settings."""

    reveal_days: int = 14
    reveal_stops: int = 3
    return_window: timedelta = timedelta(days=30)
    max_days_ahead: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackingRules:
        return cls(reveal_days=settings.tracking_reveal_days,
                   reveal_stops=settings.tracking_driver_reveal_stops,
                   return_window=settings.return_window,
                   max_days_ahead=settings.max_window_days_ahead)


DEFAULT_RULES = TrackingRules()


def unknown_link() -> NotFound:
    return NotFound("no order is tracked under this link, or the link has expired",
                    field="token")


def tracked_order(db: Session, token: str, *, reveal_days: int, now: datetime,
                  lock: bool = False) -> Order:
    """The order behind ``token`` (locked if asked); 404 for unknown or expired links."""
    if not TOKEN_PATTERN.match(token):
        raise unknown_link()
    query = select(Order).where(Order.tracking_token == token).options(
        selectinload(Order.lines))
    if lock:
        query = query.with_for_update(of=Order)
    order = db.scalars(query).one_or_none()
    _check_revealed(order, reveal_days, now)
    return order


def _check_revealed(order, reveal_days: int, now: datetime) -> None:
    """404 for no order, or one that ended more than ``reveal_days`` ago."""
    if order is None:
        raise unknown_link()
    if order.status in ENDED:
        ended_at = order.delivered_at or order.updated_at
        if now > ended_at + timedelta(days=reveal_days):
            raise unknown_link()


def may_reschedule(order: Order) -> bool:
    """A new window may be chosen only for a ready order that already failed an attempt."""
    return order.status == OrderStatus.READY.value and order.delivery_attempts > 0


# The lookup's statements, built once: customers refresh the link every few seconds,
# and building a statement costs about as much as running it. Column reads, no ORM
# instances, and table columns rather than mapped attributes, which skips the ORM's
# per-statement work (nothing here needs the session flushed first: it only reads).
_ORDERS, _LINES_T, _SKUS = Order.__table__, OrderLine.__table__, Sku.__table__
_EVENTS, _STOPS, _ROUTES = OrderEvent.__table__, RouteStop.__table__, DriverRoute.__table__
_DRIVERS, _POSITIONS = Driver.__table__, DriverPosition.__table__
_AHEAD = _STOPS.alias("ahead")
_STOPS_BEFORE = (
    select(func.count()).select_from(_AHEAD)
    .where(_AHEAD.c.route_id == _STOPS.c.route_id, _AHEAD.c.sequence < _STOPS.c.sequence,
           _AHEAD.c.status.in_(OPEN_STOP))
    .scalar_subquery()
)
_OPEN_STOP = (
    select(_STOPS.c.eta, _STOPS.c.eta_low, _STOPS.c.eta_high,
           _STOPS_BEFORE.label("stops_before"))
    .join(_ROUTES, _ROUTES.c.id == _STOPS.c.route_id)
    .where(_STOPS.c.order_id == bindparam("order_id"), _STOPS.c.kind == "delivery",
           _STOPS.c.status.in_(OPEN_STOP), _ROUTES.c.status == ACTIVE_ROUTE)
    .order_by(_STOPS.c.id.desc()).limit(1)
)
# The order with its driver's name and last position (NULLs when it has no driver).
_ORDER = (
    select(*(_ORDERS.c[name] for name in (
        "id", "status", "window_start", "window_end", "address_text", "lat", "lon",
        "delivered_at", "updated_at", "driver_id", "delivery_attempts")),
        _DRIVERS.c.name.label("driver_name"), _POSITIONS.c.lat.label("driver_lat"),
        _POSITIONS.c.lon.label("driver_lon"),
        _POSITIONS.c.recorded_at.label("driver_recorded_at"))
    .outerjoin(_DRIVERS, _DRIVERS.c.id == _ORDERS.c.driver_id)
    .outerjoin(_POSITIONS, _POSITIONS.c.driver_id == _ORDERS.c.driver_id)
    .where(_ORDERS.c.tracking_token == bindparam("token"))
)
_LINES = (
    select(_LINES_T.c.id, _LINES_T.c.sku_id, _LINES_T.c.sku_code, _LINES_T.c.quantity,
           _SKUS.c.name)
    .outerjoin(_SKUS, _SKUS.c.id == _LINES_T.c.sku_id)
    .where(_LINES_T.c.order_id == bindparam("order_id")).order_by(_LINES_T.c.id)
)
_TIMELINE = (select(_EVENTS.c.to_status, _EVENTS.c.created_at, _EVENTS.c.reason)
             .where(_EVENTS.c.order_id == bindparam("order_id")).order_by(_EVENTS.c.id))


def _open_stop(db: Session, order_id: int):
    """The order's open delivery stop on an active route, with how many open stops
    precede it on that route (one read), or None."""
    return db.execute(_OPEN_STOP, {"order_id": order_id}).first()


def _first_name(name: str | None) -> str | None:
    return name.split()[0] if name and name.split() else None


def _route_view(db: Session, order, rules: TrackingRules) -> dict:
    """ETA, stops ahead and the driver, for an order on a route (``order``: a ``_ORDER``
    row, which carries the driver's name and position)."""
    if order.status not in ON_ROUTE or order.driver_id is None:
        return {}
    first_name = _first_name(order.driver_name)
    view: dict = {"driver_first_name": first_name}
    stop = _open_stop(db, order.id)
    if stop is None:
        if first_name is not None:
            view["driver"] = TrackedDriver(first_name=first_name)
        return view
    position = None
    if (order.status == OrderStatus.OUT_FOR_DELIVERY.value
            and stop.stops_before <= rules.reveal_stops and order.driver_lat is not None):
        position = ApproximatePosition(
            lat=round(order.driver_lat, POSITION_DECIMALS),
            lon=round(order.driver_lon, POSITION_DECIMALS),
            recorded_at=order.driver_recorded_at.replace(microsecond=0))
    view.update(eta=EtaWindow(eta=stop.eta, low=stop.eta_low, high=stop.eta_high),
                stops_before=stop.stops_before,
                driver=TrackedDriver(first_name=first_name, position=position))
    return view


def _return_view(db: Session, order, lines, rules: TrackingRules, now: datetime) -> dict:
    """What may still be sent back, while the return window is open."""
    if order.status != OrderStatus.DELIVERED.value or order.delivered_at is None:
        return {}
    until = order.delivered_at + rules.return_window
    if now > until:
        return {}
    left = returnable_quantities({line.id: line.quantity for line in lines},
                                 units_in_returns(db, order.id))
    returnable = [ReturnableLine(order_line_id=line.id, name=line.name or line.sku_code,
                                 quantity=left[line.id])
                  for line in lines if left.get(line.id, 0) > 0]
    return {"can_return": bool(returnable), "return_until": until, "returnable": returnable}


def track(uow: UnitOfWork, token: str, rules: TrackingRules = DEFAULT_RULES, *,
          now: datetime | None = None) -> TrackingRead:
    """The tracking view for ``token``; 404 for unknown or expired links."""
    now = now or utcnow()
    with uow:
        db = uow.db
        if not TOKEN_PATTERN.match(token):
            raise unknown_link()
        order = db.execute(_ORDER, {"token": token}).first()
        _check_revealed(order, rules.reveal_days, now)
        lines = db.execute(_LINES, {"order_id": order.id}).all()
        events = db.execute(_TIMELINE, {"order_id": order.id}).all()
        reschedulable = may_reschedule(order)
        return TrackingRead(
            order_id=order.id,
            status=order.status,
            window_start=order.window_start,
            window_end=order.window_end,
            address=order.address_text,
            destination=Point(lat=order.lat, lon=order.lon),
            lines=[TrackedLine(name=line.name or line.sku_code, quantity=line.quantity)
                   for line in lines],
            timeline=[TimelineEntry(status=e.to_status, at=e.created_at,
                                    note=_CUSTOMER_NOTES.get(e.reason or ""))
                      for e in events],
            delivered_at=order.delivered_at,
            can_reschedule=reschedulable,
            reschedule_latest_start=(now + timedelta(days=rules.max_days_ahead)
                                     if reschedulable else None),
            **{"driver_first_name": None, **_route_view(db, order, rules)},
            **_return_view(db, order, lines, rules, now),
        )
