"""The ETA engine: re-times a route's remaining stops from the driver's position and time.

Called for every batch of pings that moves drivers (``refresh_drivers``) and by the
stop-event code after an arrival, completion or failure (``refresh_route``), always inside
the caller's transaction. The remaining stops keep their committed order and are timed by the routing
core's plan mode (``dispatch.routing.evaluate``: same great-circle matrix as planning,
service times, waiting for windows), so a live ETA and a planned one can never disagree
about how long a leg takes (``time_stops``). No solver search runs here: a 30-stop route
costs a fraction of a millisecond of computing, and a batch of pings four SQL statements
(``eta_rows``).

The customer's ETA is when service can begin: the arrival at the door, or the window
start when the driver arrives early and waits (``Visit.start``). Each ETA carries a
window, eta ± a half-width measured from past errors (``eta_windows``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import OrderStatus
from dispatch.routing import GeoPoint, GreatCircleMatrix, TimeWindow
from dispatch.routing.windows import earliest_start
from dispatch.tracking.eta_profiles import ErrorProfiles
from dispatch.tracking.eta_rows import (
    ARRIVED,
    PENDING,
    REMAINING,
    LoadedRoute,
    Position,
    RouteState,
    StopState,
    active_route,
    active_routes_of,
    keep_snapshots,
    stored_position,
    touch_routes,
    warehouse_point,
    write_stops,
)
from dispatch.tracking.eta_windows import WindowPolicy

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
    ``sample_every``: how often a pending stop's ETA is kept as an ``EtaSnapshot`` (the
    ETA-error-by-lead KPI); zero keeps none.
    ``correct_bias``: shift each ETA by the median error ETAs made as far ahead have had
    (``ErrorProfile.bias``), never before the window opens or before now.
    """

    notify_change: timedelta = timedelta(minutes=10)
    window_min: timedelta = timedelta(minutes=5)
    position_max_age: timedelta = timedelta(minutes=10)
    write_tolerance: timedelta = timedelta(seconds=10)
    error_samples: int = 500
    sample_every: timedelta = timedelta(minutes=5)
    correct_bias: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> EtaLimits:
        """Limits from a ``dispatch.settings.Settings``."""
        return cls(notify_change=timedelta(minutes=settings.eta_notify_change_minutes),
                   window_min=timedelta(minutes=settings.eta_window_min_minutes),
                   sample_every=timedelta(minutes=settings.eta_sample_minutes),
                   correct_bias=settings.eta_bias_correction)

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


PROFILES = ErrorProfiles()
"""The process-wide cache the engine uses unless given another."""


def refresh_route(db: Session, route_id: int, *, now: datetime,
                  limits: EtaLimits | None = None,
                  profiles: ErrorProfiles | None = None) -> RefreshResult | None:
    """Recompute ETAs of ``route_id``'s remaining stops inside the caller's transaction.

    Locks the route row, so refreshes of one route (pings, stop events) run one after
    the other. Returns None, changing nothing, for an unknown or no longer active route.
    """
    results = _refresh_all(db, active_route(db, route_id), {}, now, limits, profiles)
    return results[0] if results else None


def refresh_drivers(db: Session, moves: Mapping[int, tuple[Position | None, datetime]], *,
                    limits: EtaLimits | None = None,
                    profiles: ErrorProfiles | None = None) -> list[RefreshResult]:
    """Refresh the active routes of the drivers in ``moves`` (driver id -> the position
    just recorded, or None to read it, and the time to refresh at). A batch of pings
    costs two reads and two writes whatever its size; a driver without an active route
    costs nothing beyond the first read."""
    loaded = active_routes_of(db, moves)
    return _refresh_all(db, loaded, {d: p for d, (p, _) in moves.items()},
                        {d: at for d, (_, at) in moves.items()}, limits, profiles)


def _refresh_all(db: Session, loaded: list[LoadedRoute], positions: Mapping[int, Position | None],
                 now: datetime | Mapping[int, datetime], limits: EtaLimits | None,
                 profiles: ErrorProfiles | None) -> list[RefreshResult]:
    limits, profiles = limits or EtaLimits(), profiles or PROFILES
    results, stamps = [], []
    for entry in loaded:
        at = now if isinstance(now, datetime) else now[entry.route.driver_id]
        results.append(_retime(db, entry, at, limits, profiles,
                               positions.get(entry.route.driver_id)))
        stamps.append((entry.route.id, at))
        keep_snapshots(db, _due_for_snapshot(entry, at, limits.sample_every), at)
    touch_routes(db, stamps)
    write_stops(db, (stop for entry in loaded for stop in entry.stops))
    return results


def _due_for_snapshot(loaded: LoadedRoute, now: datetime,
                      every: timedelta) -> list[StopState]:
    """Stops still to be driven to whose ETA was last kept ``every`` or longer ago (or
    never), marked as kept now."""
    if every <= timedelta(0):
        return []
    due = [s for s in loaded.stops if s.status == PENDING
           and (s.order_id is None or loaded.statuses.get(s.order_id) in ON_ROUTE)
           and (s.eta_sampled_at is None or now - s.eta_sampled_at >= every)]
    for stop in due:
        stop.set("eta_sampled_at", now)
    return due


@dataclass
class _Departure:
    """Where and when the vehicle sets off towards the first pending stop."""

    point: GeoPoint
    at: datetime
    origin: str


def _retime(db: Session, loaded: LoadedRoute, now: datetime, limits: EtaLimits,
            profiles: ErrorProfiles, position: Position | None) -> RefreshResult:
    """Decide the new ETAs of one loaded route (the caller writes them) and publish the
    customer events they call for."""
    route, stops, statuses = loaded.route, loaded.stops, loaded.statuses
    ahead = [s for s in stops if s.status in REMAINING]
    # A stop whose order was cancelled (or otherwise left the route) is not driven to,
    # even before the stop list catches up.
    remaining = [s for s in ahead if s.order_id is None or statuses.get(s.order_id) in ON_ROUTE]
    under_way = (route.departed_at is not None or any(s.status != PENDING for s in stops)
                 or _OUT in statuses.values())
    if not remaining:
        return RefreshResult(route.id, under_way, "none", 0)
    departure = _departure(db, route, stops, under_way, now, limits, position)
    pending = [s for s in remaining if s.status == PENDING]
    service_starts = dict(zip((s.id for s in pending),
                              time_stops(departure.point, departure.at, pending, now,
                                         speed_factor=route.speed_factor),
                              strict=True))
    profile = profiles.profile(db, route.warehouse_id, limits.window_policy,
                               limits.error_samples, at=now, biases=limits.correct_bias)
    updated: list[int] = []
    for stop in remaining:
        if stop.status == ARRIVED:
            eta = stop.arrived_at or now
            low = high = eta
        else:
            eta = service_starts[stop.id]
            if limits.correct_bias:
                bias = profile.bias((eta - now).total_seconds())
                eta = max(eta + timedelta(seconds=round(bias)), stop.window_start, now)
            half = timedelta(seconds=round(profile.half_width((eta - now).total_seconds())))
            low, high = eta - half, eta + half
        if _moved(stop, eta, low, high, limits.write_tolerance):
            stop.set("eta", eta)
            stop.set("eta_low", low)
            stop.set("eta_high", high)
            updated.append(stop.id)
    changed, next_id = _notify(db, route, remaining, statuses, under_way, now, limits)
    return RefreshResult(route.id, under_way, departure.origin, len(remaining),
                         tuple(updated), tuple(changed), next_id)


def _departure(db: Session, route: RouteState, stops: Sequence[StopState], under_way: bool,
               now: datetime, limits: EtaLimits, position: Position | None) -> _Departure:
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
        if position is None:
            position = stored_position(db, route.driver_id)
        if position is not None and now - position.recorded_at <= limits.position_max_age:
            return _Departure(position.point, now, "position")
        visited = [s for s in stops if s.status not in REMAINING]
        if visited:
            last = max(visited, key=lambda s: s.sequence)
            return _Departure(GeoPoint(last.lat, last.lon), now, "last_stop")
    start = now if under_way else max(now, route.planned_start)
    return _Departure(warehouse_point(db, route.warehouse_id), start, "warehouse")


def time_stops(start: GeoPoint, depart_at: datetime, stops: Sequence[TimedStop],
               now: datetime, *, speed_factor: float = 1.0) -> list[datetime]:
    """When service can begin at each of ``stops``, visited in this order after leaving
    ``start`` at ``depart_at``, by a vehicle going ``speed_factor`` x the default speeds.

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
        arrival = clock + float(duration[index, index + 1]) / speed_factor
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


def _payload(route: RouteState, stop: StopState) -> dict[str, Any]:
    return {"order_id": stop.order_id, "stop_id": stop.id, "route_id": route.id,
            "driver_id": route.driver_id, "eta": stop.eta.isoformat(),
            "eta_low": stop.eta_low.isoformat(), "eta_high": stop.eta_high.isoformat()}


def _notify(db: Session, route: RouteState, remaining: Sequence[StopState],
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
