"""Planned against actual for a period: overall, per group, and the worst routes."""

from __future__ import annotations

from dispatch.analytics.kpi_report import group_labels, period
from dispatch.analytics.schemas import (
    GroupTimeLostRead,
    PeriodQuery,
    RouteTimeLostRead,
    TimeLostRead,
)
from dispatch.analytics.stop_visits import stop_visits
from dispatch.analytics.time_lost import grouped_time_lost, time_lost, worst_routes
from dispatch.db.uow import UnitOfWork

WORST_ROUTES = 20


def time_lost_report(uow: UnitOfWork, query: PeriodQuery) -> TimeLostRead:
    start, end = period(query)
    with uow:
        visits = stop_visits(uow.db, start, end, query.zone_precision)
        groups = grouped_time_lost(visits, query.group_by) if query.group_by else []
        labels = group_labels(uow.db, query.group_by, [key for key, _ in groups])
        worst = worst_routes(visits, WORST_ROUTES)
        names = group_labels(uow.db, "driver", [r.driver for r in worst])
    return TimeLostRead(
        start=query.start, end=query.end, group_by=query.group_by, overall=time_lost(visits),
        groups=[GroupTimeLostRead(key=str(key), label=labels.get(key, str(key)),
                                  time_lost=figures) for key, figures in groups],
        worst_routes=[RouteTimeLostRead(route_id=r.route_id, driver_id=r.driver,
                                        driver=names.get(r.driver), day=r.day,
                                        time_lost=r.time_lost) for r in worst])
