"""What the ETA engine reads and writes, as plain rows.

The engine runs on every ping, so it reads column tuples (no ORM instances) with
statements built once, and writes with executemany UPDATEs. The loaders take many
routes or drivers at once, so a batch of pings costs the same few statements as one.
The selects name mapped attributes, so the session first flushes the caller's pending
changes (a departure, a stop event) and the engine sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.fleet.models import Driver
from dispatch.orders.models import Order
from dispatch.routing import GeoPoint
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPosition, EtaSnapshot

ACTIVE_ROUTE = "active"
PENDING, ARRIVED = "pending", "arrived"
REMAINING = frozenset({PENDING, ARRIVED})
"""Stop statuses still ahead of the driver; any other status is finished."""


@dataclass(slots=True)
class StopState:
    """A route stop as the engine reads it, with the columns it decided to change."""

    id: int
    sequence: int
    status: str
    order_id: int | None
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    service_seconds: float
    eta: datetime
    eta_low: datetime
    eta_high: datetime
    notified_eta: datetime | None
    arriving_next_sent: bool
    arrived_at: datetime | None
    eta_sampled_at: datetime | None
    changes: dict[str, Any] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        setattr(self, name, value)
        self.changes[name] = value


@dataclass(frozen=True, slots=True)
class RouteState:
    """The route columns the engine needs, read with the route's row lock."""

    id: int
    driver_id: int
    warehouse_id: int
    departed_at: datetime | None
    planned_start: datetime
    speed_factor: float = 1.0


@dataclass(slots=True)
class LoadedRoute:
    """A route, its stops in sequence, and the status of each order still ahead."""

    route: RouteState
    stops: list[StopState] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a driver was and when (the ping being recorded, or the stored position)."""

    point: GeoPoint
    recorded_at: datetime


_ROUTES = DriverRoute.__table__
_ROUTE_STATE = select(*(getattr(DriverRoute, f.name) for f in fields(RouteState)
                        if f.name != "speed_factor"), Driver.speed_factor).join(
    Driver, Driver.id == DriverRoute.driver_id)
_ACTIVE_ROUTES_OF_DRIVERS = (
    _ROUTE_STATE.where(DriverRoute.driver_id.in_(bindparam("driver_ids", expanding=True)),
                       DriverRoute.status == ACTIVE_ROUTE)
    .order_by(DriverRoute.driver_id, DriverRoute.id).with_for_update(of=DriverRoute)
)
_ACTIVE_ROUTE = _ROUTE_STATE.where(DriverRoute.id == bindparam("route_id"),
                                   DriverRoute.status == ACTIVE_ROUTE).with_for_update(of=DriverRoute)
_TOUCH_ROUTE = (update(_ROUTES).where(_ROUTES.c.id == bindparam("route_id"))
                .values(eta_updated_at=bindparam("now")))
_STOP_FIELDS = [f.name for f in fields(StopState) if f.name != "changes"]
_STOPS_OF_ROUTES = (
    select(RouteStop.route_id, *(getattr(RouteStop, name) for name in _STOP_FIELDS),
           Order.status)
    .outerjoin(Order, Order.id == RouteStop.order_id)
    .where(RouteStop.route_id.in_(bindparam("route_ids", expanding=True)))
    .order_by(RouteStop.route_id, RouteStop.sequence)
)
_POSITION = select(DriverPosition.lat, DriverPosition.lon, DriverPosition.recorded_at).where(
    DriverPosition.driver_id == bindparam("driver_id"))
_WAREHOUSE_POINT = select(Warehouse.lat, Warehouse.lon).where(
    Warehouse.id == bindparam("warehouse_id"))


def active_route(db: Session, route_id: int) -> list[LoadedRoute]:
    """The route, locked, with its stops; empty when unknown or no longer active."""
    return _with_stops(db, [RouteState(*row) for row in
                            db.execute(_ACTIVE_ROUTE, {"route_id": route_id})])


def active_routes_of(db: Session, driver_ids: Iterable[int]) -> list[LoadedRoute]:
    """The drivers' active routes, locked in driver order (the order every batch of
    pings takes them in, so batches never deadlock), with their stops."""
    ids = sorted(set(driver_ids))
    if not ids:
        return []
    return _with_stops(db, [RouteState(*row) for row in
                            db.execute(_ACTIVE_ROUTES_OF_DRIVERS, {"driver_ids": ids})])


def _with_stops(db: Session, routes: list[RouteState]) -> list[LoadedRoute]:
    loaded = {route.id: LoadedRoute(route) for route in routes}
    if not loaded:
        return []
    for route_id, *columns, order_status in db.execute(
            _STOPS_OF_ROUTES, {"route_ids": list(loaded)}):
        stop = StopState(*columns)
        entry = loaded[route_id]
        entry.stops.append(stop)
        if stop.order_id is not None and stop.status in REMAINING:
            entry.statuses[stop.order_id] = order_status
    return list(loaded.values())


def stored_position(db: Session, driver_id: int) -> Position | None:
    row = db.execute(_POSITION, {"driver_id": driver_id}).first()
    return Position(GeoPoint(row.lat, row.lon), row.recorded_at) if row else None


def warehouse_point(db: Session, warehouse_id: int) -> GeoPoint:
    row = db.execute(_WAREHOUSE_POINT, {"warehouse_id": warehouse_id}).one()
    return GeoPoint(row.lat, row.lon)


@lru_cache(maxsize=16)
def _stop_update(names: tuple[str, ...]) -> Update:
    """UPDATE route_stops SET <names> by id, for executemany."""
    table = RouteStop.__table__
    return (update(table).where(table.c.id == bindparam("stop_id"))
            .values({n: bindparam(f"new_{n}") for n in names}))


def touch_routes(db: Session, stamps: Sequence[tuple[int, datetime]]) -> None:
    """Stamp when each route was last re-timed (also on any ``DriverRoute`` the caller
    holds in its session, which would otherwise show the old value)."""
    if not stamps:
        return
    db.execute(_TOUCH_ROUTE, [{"route_id": route_id, "now": now} for route_id, now in stamps])
    for route_id, now in stamps:
        held = db.identity_map.get(db.identity_key(DriverRoute, route_id))
        if held is not None:
            set_committed_value(held, "eta_updated_at", now)


def keep_snapshots(db: Session, stops: Iterable[StopState], now: datetime) -> None:
    """Keep the ETAs of ``stops`` as they stand at ``now`` (one executemany INSERT)."""
    rows = [{"stop_id": s.id, "order_id": s.order_id, "eta": s.eta, "made_at": now}
            for s in stops]
    if rows:
        db.execute(insert(EtaSnapshot), rows)


def write_stops(db: Session, stops: Iterable[StopState]) -> None:
    """One executemany UPDATE per set of changed columns (usually one: the ETAs), then
    the same values onto any of these stops the caller holds in its session."""
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for stop in stops:
        if stop.changes:
            names = tuple(sorted(stop.changes))
            batches.setdefault(names, []).append(
                {"stop_id": stop.id, **{f"new_{n}": v for n, v in stop.changes.items()}})
    for names, params in batches.items():
        db.execute(_stop_update(names), params)
        for param in params:
            held = db.identity_map.get(db.identity_key(RouteStop, param["stop_id"]))
            if held is not None:
                for name in names:
                    set_committed_value(held, name, param[f"new_{name}"])
