"""The ETA engine: re-times a route's remaining stops from the driver's position and time.

Called on every ping that moves a driver (``refresh_driver``) and by the stop-event code
after an arrival, completion or failure (``refresh_route``), always inside the caller's
transaction. The remaining stops keep their committed order and are timed by the routing
core's plan mode (``dispatch.routing.evaluate``: same great-circle matrix as planning,
service times, waiting for windows), so a live ETA and a planned one can never disagree
about how long a leg takes (``time_stops``). No solver search runs here: a 30-stop route
costs a fraction of a millisecond of computing plus a handful of SQL statements.

The customer's ETA is when service can begin: the arrival at the door, or the window
start when the driver arrives early and waits (``Visit.start``). Each ETA carries a
window, eta ± a half-width measured from past errors (``eta_windows``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Update, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.routing import GeoPoint, GreatCircleMatrix, TimeWindow
from dispatch.routing.windows import earliest_start
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta_windows import ErrorProfile, ErrorSample, WindowPolicy, error_profile
from dispatch.tracking.models import DriverPosition

ACTIVE_ROUTE = "active"
PENDING, ARRIVED = "pending", "arrived"
REMAINING = frozenset({PENDING, ARRIVED})
"""Stop statuses still ahead of the driver; any other status is finished."""

_PLANNED, _OUT = OrderStatus.PLANNED.value, OrderStatus.OUT_FOR_DELIVERY.value
ON_ROUTE = frozenset({_PLANNED, _OUT})
"""Order statuses whose stops are still to be driven to."""


class TimedStop(Protocol):
    """What timing needs of a stop (a ``RouteStop`` row or a ``StopState``)."""

    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    service_seconds: float


@dataclass(frozen=True)
class EtaLimits:
    """The engine's tunables; defaults equal the ``Settings`` defaults.

    ``position_max_age``: an older position is not trusted as where the driver is.
    ``write_tolerance``: ETAs moving less than this are not rewritten (fewer UPDATEs).
    ``error_samples``: how many recent measured errors per warehouse shape the windows.
    """

    notify_change: timedelta = timedelta(minutes=10)
    window_min: timedelta = timedelta(minutes=5)
    position_max_age: timedelta = timedelta(minutes=10)
    write_tolerance: timedelta = timedelta(seconds=10)
    error_samples: int = 500

    @classmethod
    def from_settings(cls, settings: Any) -> EtaLimits:
        """Limits from a ``dispatch.settings.Settings``."""
        return cls(notify_change=timedelta(minutes=settings.eta_notify_change_minutes),
                   window_min=timedelta(minutes=settings.eta_window_min_minutes))

    @property
    def window_policy(self) -> WindowPolicy:
        return WindowPolicy(minimum_seconds=self.window_min.total_seconds())


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did (for callers that log, and for tests)."""

    route_id: int
    under_way: bool
    origin: str  # "position", "arrived_stop", "last_stop", "warehouse"; "none": no stops
    remaining: int
    updated: tuple[int, ...] = ()
    eta_changed: tuple[int, ...] = ()
    arriving_next: int | None = None


def recent_error_samples(db: Session, warehouse_id: int, limit: int) -> list[ErrorSample]:
    """The ``limit`` most recent measured ETA errors of routes from ``warehouse_id``."""
    rows = db.execute(
        select(RouteStop.eta_error_seconds, RouteStop.eta_lead_seconds)
        .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .where(DriverRoute.warehouse_id == warehouse_id,
               RouteStop.eta_error_seconds.is_not(None),
               RouteStop.eta_lead_seconds.is_not(None))
        .order_by(RouteStop.arrived_at.desc().nulls_last(), RouteStop.id.desc())
        .limit(limit)
    ).all()
    return [ErrorSample(error, lead) for error, lead in rows]


class ErrorProfiles:
    """Error profiles per database and warehouse, recomputed at most every ``ttl_seconds``.

    Measured errors change slowly, and reading them on every ping would cost a query per
    ping; per-process staleness of a minute is harmless. Keyed weakly by engine, so a
    database that goes away (tests) takes its entries with it.
    """

    def __init__(self, ttl_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._entries: WeakKeyDictionary[Engine, dict[Any, tuple[float, ErrorProfile]]] = (
            WeakKeyDictionary())
        self._lock = threading.Lock()

    def profile(self, db: Session, warehouse_id: int, policy: WindowPolicy,
                samples: int) -> ErrorProfile:
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        key = (warehouse_id, policy, samples)
        now = self.clock()
        with self._lock:
            cached = self._entries.get(engine, {}).get(key)
        if cached is not None and now - cached[0] < self.ttl_seconds:
            return cached[1]
        profile = error_profile(recent_error_samples(db, warehouse_id, samples), policy)
        with self._lock:
            self._entries.setdefault(engine, {})[key] = (now, profile)
        return profile

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PROFILES = ErrorProfiles()
"""The process-wide cache ``refresh_route`` uses unless given another."""


@dataclass(slots=True)
class StopState:
    """A route stop as the engine reads it (one row, no ORM instance: a ping must stay
    cheap), with the columns it decided to change."""

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
    changes: dict[str, Any] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        setattr(self, name, value)
        self.changes[name] = value


# Built once: constructing statements costs more than running them on a ping's budget.
_STOPS_OF_ROUTE = (
    select(*(getattr(RouteStop, f.name) for f in fields(StopState) if f.name != "changes"))
    .where(RouteStop.route_id == bindparam("route_id")).order_by(RouteStop.sequence)
)
_ORDER_STATUSES = select(Order.id, Order.status).where(
    Order.id.in_(bindparam("order_ids", expanding=True)))
_ACTIVE_ROUTES_OF_DRIVER = (
    select(DriverRoute)
    .where(DriverRoute.driver_id == bindparam("driver_id"),
           DriverRoute.status == ACTIVE_ROUTE)
    .order_by(DriverRoute.id).with_for_update()
)


@lru_cache(maxsize=16)
def _stop_update(names: tuple[str, ...]) -> Update:
    """UPDATE route_stops SET <names> by id, for executemany."""
    table = RouteStop.__table__
    return (update(table).where(table.c.id == bindparam("stop_id"))
            .values({n: bindparam(f"new_{n}") for n in names}))


def refresh_route(db: Session, route_id: int, *, now: datetime,
                  limits: EtaLimits | None = None,
                  profiles: ErrorProfiles | None = None) -> RefreshResult | None:
    """Recompute ETAs of ``route_id``'s remaining stops inside the caller's transaction.

    Locks the route row, so refreshes of one route (pings, stop events) run one after
    the other. Returns None, changing nothing, for an unknown or no longer active route.
    """
    route = db.get(DriverRoute, route_id, with_for_update=True)
    if route is None or route.status != ACTIVE_ROUTE:
        return None
    return _refresh(db, route, now, limits or EtaLimits(), profiles or PROFILES)


def refresh_driver(db: Session, driver_id: int, *, now: datetime,
                   limits: EtaLimits | None = None,
                   profiles: ErrorProfiles | None = None) -> list[RefreshResult]:
    """Refresh the driver's active route(s); one indexed query and nothing else when the
    driver has none (the per-ping path)."""
    routes = db.scalars(_ACTIVE_ROUTES_OF_DRIVER, {"driver_id": driver_id}).all()
    return [_refresh(db, route, now, limits or EtaLimits(), profiles or PROFILES)
            for route in routes]


@dataclass
class _Departure:
    """Where and when the vehicle sets off towards the first pending stop."""

    point: GeoPoint
    at: datetime
    origin: str


def _refresh(db: Session, route: DriverRoute, now: datetime, limits: EtaLimits,
             profiles: ErrorProfiles) -> RefreshResult:
    stops = [StopState(*row) for row in db.execute(_STOPS_OF_ROUTE, {"route_id": route.id})]
    ahead = [s for s in stops if s.status in REMAINING]
    order_ids = [s.order_id for s in ahead if s.order_id is not None]
    statuses: dict[int, str] = dict(
        db.execute(_ORDER_STATUSES, {"order_ids": order_ids}).all()) if order_ids else {}
    # A stop whose order was cancelled (or otherwise left the route) is not driven to,
    # even before the stop list catches up.
    remaining = [s for s in ahead if s.order_id is None or statuses.get(s.order_id) in ON_ROUTE]
    under_way = (route.departed_at is not None or any(s.status != PENDING for s in stops)
                 or _OUT in statuses.values())
    route.eta_updated_at = now
    if not remaining:
        return RefreshResult(route.id, under_way, "none", 0)
    departure = _departure(db, route, stops, under_way, now, limits)
    pending = [s for s in remaining if s.status == PENDING]
    service_starts = dict(zip((s.id for s in pending),
                              time_stops(departure.point, departure.at, pending, now),
                              strict=True))
    profile = profiles.profile(db, route.warehouse_id, limits.window_policy,
                               limits.error_samples)
    updated: list[int] = []
    for stop in remaining:
        if stop.status == ARRIVED:
            eta = stop.arrived_at or now
            low = high = eta
        else:
            eta = service_starts[stop.id]
            half = timedelta(seconds=round(profile.half_width((eta - now).total_seconds())))
            low, high = eta - half, eta + half
        if _moved(stop, eta, low, high, limits.write_tolerance):
            stop.set("eta", eta)
            stop.set("eta_low", low)
            stop.set("eta_high", high)
            updated.append(stop.id)
    changed, next_id = _notify(db, route, remaining, statuses, under_way, now, limits)
    _write(db, remaining)
    return RefreshResult(route.id, under_way, departure.origin, len(remaining),
                         tuple(updated), tuple(changed), next_id)


def _write(db: Session, stops: Sequence[StopState]) -> None:
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


def _departure(db: Session, route: DriverRoute, stops: Sequence[StopState], under_way: bool,
               now: datetime, limits: EtaLimits) -> _Departure:
    """At a stop being served: leave it after its service. On the road (departed, a stop
    visited or an order out for delivery): from the driver's recent position now, else
    from the last stop visited. Not yet departed: from the warehouse at the planned start
    (or now, if later)."""
    if under_way:
        arrived = [s for s in stops if s.status == ARRIVED]
        if arrived:
            here = max(arrived, key=lambda s: (s.arrived_at or now, s.sequence))
            done = (here.arrived_at or now) + timedelta(seconds=here.service_seconds)
            return _Departure(GeoPoint(here.lat, here.lon), max(now, done), "arrived_stop")
        position = db.get(DriverPosition, route.driver_id)
        if position is not None and now - position.recorded_at <= limits.position_max_age:
            return _Departure(GeoPoint(position.lat, position.lon), now, "position")
        visited = [s for s in stops if s.status not in REMAINING]
        if visited:
            last = max(visited, key=lambda s: s.sequence)
            return _Departure(GeoPoint(last.lat, last.lon), now, "last_stop")
    warehouse = db.get(Warehouse, route.warehouse_id)
    start = now if under_way else max(now, route.planned_start)
    return _Departure(GeoPoint(warehouse.lat, warehouse.lon), start, "warehouse")


def time_stops(start: GeoPoint, depart_at: datetime, stops: Sequence[TimedStop],
               now: datetime) -> list[datetime]:
    """When service can begin at each of ``stops``, visited in this order after leaving
    ``start`` at ``depart_at``.

    The routing core's plan mode (``evaluate``) for one vehicle without breaks, done
    lean: building a ``Problem`` of validated ``Stop``s costs twice the timing itself on
    every ping, so this walks the route directly on the same travel matrix (the planning
    default, ``GreatCircleMatrix`` over start then stops) with the same ``earliest_start``
    rule; a test holds it equal to ``evaluate``. Seconds are counted from ``now``.
    """
    if not stops:
        return []
    points = [start, *(GeoPoint(s.lat, s.lon) for s in stops)]
    duration = GreatCircleMatrix().matrix(points).duration
    clock = max(0.0, (depart_at - now).total_seconds())
    starts: list[datetime] = []
    for index, stop in enumerate(stops):
        arrival = clock + float(duration[index, index + 1])
        window = TimeWindow((stop.window_start - now).total_seconds(),
                            (stop.window_end - now).total_seconds())
        begin = earliest_start((window,), arrival)
        begin = arrival if begin is None else begin  # too late: served on arrival, late
        starts.append(_whole_seconds(now + timedelta(seconds=begin)))
        clock = begin + stop.service_seconds
    return starts


def _whole_seconds(at: datetime) -> datetime:
    rounded = at.replace(microsecond=0)
    return rounded + timedelta(seconds=1) if at.microsecond >= 500_000 else rounded


def _moved(stop: StopState, eta: datetime, low: datetime, high: datetime,
           tolerance: timedelta) -> bool:
    return any(old is None or abs(new - old) > tolerance
               for old, new in ((stop.eta, eta), (stop.eta_low, low), (stop.eta_high, high)))


def _payload(route: DriverRoute, stop: StopState) -> dict[str, Any]:
    return {"order_id": stop.order_id, "stop_id": stop.id, "route_id": route.id,
            "driver_id": route.driver_id, "eta": stop.eta.isoformat(),
            "eta_low": stop.eta_low.isoformat(), "eta_high": stop.eta_high.isoformat()}


def _notify(db: Session, route: DriverRoute, remaining: Sequence[StopState],
            statuses: dict[int, str], under_way: bool, now: datetime,
            limits: EtaLimits) -> tuple[list[int], int | None]:
    """Tell customers of out-for-delivery orders when their ETA moved by more than the
    threshold since they were last told, and once when their stop is next.

    An ETA nobody was told yet (``notified_eta`` empty) is recorded silently: the
    planned or out-for-delivery notification already carries it. Return pickups get ETAs
    but no customer events (those events are about orders).
    """
    changed: list[int] = []
    for stop in remaining:
        status = statuses.get(stop.order_id) if stop.order_id is not None else None
        if stop.status != PENDING or status not in (_PLANNED, _OUT):
            continue
        if stop.notified_eta is None:
            stop.set("notified_eta", stop.eta)
        elif status == _OUT and abs(stop.eta - stop.notified_eta) > limits.notify_change:
            publish(db, EventType.ETA_CHANGED,
                    {**_payload(route, stop), "previous": stop.notified_eta.isoformat()},
                    order_id=stop.order_id, driver_id=route.driver_id, occurred_at=now)
            stop.set("notified_eta", stop.eta)
            changed.append(stop.id)
    upcoming = next((s for s in remaining if s.status == PENDING), None)
    if (not under_way or upcoming is None or upcoming.arriving_next_sent
            or upcoming.order_id is None or statuses.get(upcoming.order_id) != _OUT):
        return changed, None
    publish(db, EventType.ARRIVING_NEXT, _payload(route, upcoming),
            order_id=upcoming.order_id, driver_id=route.driver_id, occurred_at=now)
    upcoming.set("arriving_next_sent", True)
    return changed, upcoming.id
