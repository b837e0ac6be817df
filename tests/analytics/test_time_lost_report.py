"""Planned against actual from a route driven through the services, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.schemas import PeriodQuery
from dispatch.analytics.time_lost_report import time_lost_report
from dispatch.routing import GeoPoint, GreatCircleMatrix
from dispatch.stock.models import Warehouse
from tests.analytics.kpi_support import LARVOTTO, drive_a_route
from tests.support.world import CASINO


def leg_minutes(a, b) -> float:
    return float(GreatCircleMatrix().matrix([GeoPoint(*a), GeoPoint(*b)]).duration[0, 1]) / 60


def test_the_driven_route_against_its_plan(database, world):
    """Departed with the first arrival (+20), served until +25; drove to the second
    (arrived +70, window closed at +60), served until +75; the third failed without an
    arrival, so it is no visit. Planned ETAs were +10 and +20, service 3 min each."""
    t0, _ = drive_a_route(database, world)
    with database.uow() as uow:
        depot = uow.db.get(Warehouse, world.warehouses["MC"])
        depot = (depot.lat, depot.lon)
    query = PeriodQuery(start=t0.date() - timedelta(days=1), end=datetime.now(UTC).date(),
                        group_by="driver")
    report = time_lost_report(database.uow(), query)
    t = report.overall
    assert (t.stops, t.late_stops) == (2, 1)
    planned = leg_minutes(depot, CASINO) + leg_minutes(CASINO, LARVOTTO)
    assert t.drive_planned_min == pytest.approx(planned, abs=1e-6)
    assert t.drive_actual_min == pytest.approx(0 + 45)
    assert t.wait_min == 0
    assert (t.service_planned_min, t.service_actual_min) == pytest.approx((6, 10))
    assert t.plan_error_mean_min == pytest.approx((10 + 50) / 2)
    assert [(g.label, g.time_lost.stops) for g in report.groups] == [("Ana", 2)]
    assert [(r.driver, r.time_lost.stops) for r in report.worst_routes] == [("Ana", 2)]
