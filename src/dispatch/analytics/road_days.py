"""Drivers' days on the road, from their routes, stop events, pings and shifts.

A route is on the road from its departure (or its first arrival) to its last stop
finished. A re-plan hands a driver's open stops to a new route that keeps the departure,
so a driver's routes overlap: their intervals are merged per driver and day before
timing them. Time on the road ends with the last stop finished: nothing marks the
return to the warehouse. Distance does count the way back: it is the path through the
driver's pings from each departure to the next one (after the day's last stop, for up to
``RETURN_ALLOWANCE``). A day without such pings falls back to the planned distance of
its routes that were not replaced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.analytics.kpi_facts import DriverDayFact, Keys
from dispatch.common.geo import haversine_km
from dispatch.fleet.models import Driver, DriverShift
from dispatch.planning.commit import REPLACED
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPing

Interval = tuple[datetime, datetime]
RETURN_ALLOWANCE = timedelta(hours=1)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as disjoint intervals in time order."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def path_km(points: Sequence[tuple[datetime, float, float]],
            intervals: Sequence[Interval]) -> float | None:
    """Length of the path through the timed ``points`` lying inside ``intervals`` (legs
    between consecutive points of one interval); None when no interval holds a leg."""
    total, legs = 0.0, 0
    for start, end in intervals:
        inside = [(lat, lon) for at, lat, lon in points if start <= at <= end]
        legs += max(0, len(inside) - 1)
        total += sum(haversine_km(*a, *b) for a, b in pairwise(inside))
    return total if legs else None


def ping_windows(intervals: Sequence[Interval],
                 tail: timedelta = RETURN_ALLOWANCE) -> list[Interval]:
    """Where a driver's pings count as driving: from each departure to the next, and
    ``tail`` past the end of the last (the way back after the last stop)."""
    return [(start, intervals[i + 1][0] if i + 1 < len(intervals) else end + tail)
            for i, (start, end) in enumerate(intervals)]


def driver_days(db: Session, start: datetime, end: datetime) -> list[DriverDayFact]:
    """One fact per driver, UTC day and warehouse with road time or a shift in [start, end)."""
    road = _road(db, start, end)
    shifts: dict[tuple[int, str, int], float] = defaultdict(float)
    for driver_id, warehouse_id, begins, ends in db.execute(
            select(DriverShift.driver_id, Driver.warehouse_id, DriverShift.starts_at,
                   DriverShift.ends_at).join(Driver, Driver.id == DriverShift.driver_id)
            .where(DriverShift.cancelled.is_(False), DriverShift.starts_at >= start,
                   DriverShift.starts_at < end)):
        shifts[(driver_id, begins.date().isoformat(), warehouse_id)] += (
            (ends - begins).total_seconds())
    facts = []
    for key in sorted(set(road) | set(shifts)):
        driver_id, day, warehouse_id = key
        seconds, km, stops, deliveries = road.get(key, (0.0, 0.0, 0, 0))
        facts.append(DriverDayFact(Keys(day=day, driver=driver_id, warehouse=warehouse_id),
                                   seconds, km, stops, deliveries, shifts.get(key, 0.0)))
    return facts


def _road(db: Session, start: datetime, end: datetime
          ) -> dict[tuple[int, str, int], tuple[float, float, int, int]]:
    """(driver, day, warehouse) -> seconds on the road, km, stops done, deliveries done."""
    spans = db.execute(
        select(DriverRoute.id, DriverRoute.driver_id, DriverRoute.warehouse_id,
               DriverRoute.status, DriverRoute.distance_m, DriverRoute.departed_at,
               func.min(RouteStop.arrived_at), func.max(RouteStop.finished_at))
        .join(RouteStop, RouteStop.route_id == DriverRoute.id)
        .where(DriverRoute.planned_start >= start - timedelta(days=1),
               DriverRoute.planned_start < end)
        .group_by(DriverRoute.id)).all()
    done = defaultdict(lambda: [0, 0])
    for route_id, kind, count in db.execute(
            select(RouteStop.route_id, RouteStop.kind, func.count())
            .where(RouteStop.route_id.in_([s.id for s in spans]),
                   RouteStop.status == "completed")
            .group_by(RouteStop.route_id, RouteStop.kind)):
        done[route_id][0] += count
        done[route_id][1] += count if kind == "delivery" else 0
    groups: dict[tuple[int, str, int], list] = defaultdict(list)
    for span in spans:
        leaves = span.departed_at or span[6]
        if leaves is None or span[7] is None or not start <= leaves < end:
            continue
        groups[(span.driver_id, leaves.date().isoformat(), span.warehouse_id)].append(span)
    out = {}
    for key, members in groups.items():
        intervals = merge((m.departed_at or m[6], m[7]) for m in members)
        windows = ping_windows(intervals)
        points = db.execute(
            select(DriverPing.recorded_at, DriverPing.lat, DriverPing.lon)
            .where(DriverPing.driver_id == key[0], DriverPing.recorded_at >= windows[0][0],
                   DriverPing.recorded_at <= windows[-1][1])
            .order_by(DriverPing.recorded_at)).all()
        km = path_km([tuple(p) for p in points], windows)
        if km is None:
            km = sum(m.distance_m for m in members if m.status != REPLACED) / 1000
        out[key] = (sum((b - a).total_seconds() for a, b in intervals), km,
                    sum(done[m.id][0] for m in members), sum(done[m.id][1] for m in members))
    return out
