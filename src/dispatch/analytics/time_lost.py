"""Planned against actual, stop by stop: where the time went (driving, waiting for a
window to open, at the door) and how far the plan's times were off.

For each stop served, the time from leaving the previous point (the previous stop
finished, or the warehouse at departure) until service could begin (the arrival, or the
window's start) is split in two. Waiting for the window: from the earlier of the arrival
and the planned arrival (leaving + the planned drive) until the window opened, so a
driver who idles round the corner before an early window is waiting, not driving slowly.
Driving: the rest, against the planned drive (the same leg on the planning matrix at the
vehicle's speed); slowness that only ate into waiting time cost nothing. Service is from
when it could begin to finishing, against the stop's service time. The plan error is
when service began minus the planned ETA (positive: later than planned).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from dispatch.analytics.kpi_facts import Keys


@dataclass(frozen=True)
class StopVisit:
    keys: Keys
    route_id: int
    left_at: datetime  # when the driver left the previous point
    arrived_at: datetime
    finished_at: datetime
    window_start: datetime
    window_end: datetime
    planned_drive_seconds: float
    planned_service_seconds: float
    planned_eta: datetime

    @property
    def began(self) -> datetime:
        return max(self.arrived_at, self.window_start)

    @property
    def wait_seconds(self) -> float:
        planned_arrival = self.left_at + timedelta(seconds=self.planned_drive_seconds)
        return max(0.0, (self.window_start - min(self.arrived_at, planned_arrival))
                   .total_seconds())

    @property
    def drive_seconds(self) -> float:
        return (self.began - self.left_at).total_seconds() - self.wait_seconds

    @property
    def service_seconds(self) -> float:
        return (self.finished_at - self.began).total_seconds()

    @property
    def plan_error_seconds(self) -> float:
        return (self.began - self.planned_eta).total_seconds()


@dataclass(frozen=True)
class TimeLost:
    """Totals in minutes over a set of stops; ``*_extra`` is actual minus planned."""

    stops: int
    late_stops: int
    drive_planned_min: float
    drive_actual_min: float
    drive_extra_min: float
    wait_min: float
    service_planned_min: float
    service_actual_min: float
    service_extra_min: float
    plan_error_mean_min: float | None
    plan_error_p90_min: float | None  # of |error|

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RouteTimeLost:
    route_id: int
    driver: int | None
    day: str | None
    time_lost: TimeLost


def time_lost(visits: Sequence[StopVisit]) -> TimeLost:
    drive = sum(v.drive_seconds for v in visits) / 60
    planned_drive = sum(v.planned_drive_seconds for v in visits) / 60
    service = sum(v.service_seconds for v in visits) / 60
    planned_service = sum(v.planned_service_seconds for v in visits) / 60
    errors = np.array([v.plan_error_seconds / 60 for v in visits])
    return TimeLost(
        stops=len(visits), late_stops=sum(1 for v in visits if v.began > v.window_end),
        drive_planned_min=planned_drive, drive_actual_min=drive,
        drive_extra_min=drive - planned_drive, wait_min=sum(v.wait_seconds for v in visits) / 60,
        service_planned_min=planned_service, service_actual_min=service,
        service_extra_min=service - planned_service,
        plan_error_mean_min=float(errors.mean()) if len(errors) else None,
        plan_error_p90_min=float(np.percentile(np.abs(errors), 90)) if len(errors) else None)


def grouped_time_lost(visits: Sequence[StopVisit], group: str) -> list[tuple[Any, TimeLost]]:
    """Per key of ``group`` (day, driver, warehouse, zone), in key order."""
    keys = sorted({v.keys.of(group) for v in visits} - {None})
    return [(key, time_lost([v for v in visits if v.keys.of(group) == key])) for key in keys]


def worst_routes(visits: Iterable[StopVisit], limit: int) -> list[RouteTimeLost]:
    """The routes that lost the most time to driving and service over plan, worst first."""
    by_route: dict[int, list[StopVisit]] = {}
    for visit in visits:
        by_route.setdefault(visit.route_id, []).append(visit)
    rows = [RouteTimeLost(route_id, members[0].keys.driver, members[0].keys.day,
                          time_lost(members)) for route_id, members in by_route.items()]
    rows.sort(key=lambda r: (-(r.time_lost.drive_extra_min + r.time_lost.service_extra_min),
                             r.route_id))
    return rows[:limit]
