"""KPIs from what the services recorded, on both databases: a route driven through stop
events, with ETA snapshots from the ETA engine, pings and a refused order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.kpi_report import kpi_report
from dispatch.analytics.schemas import PeriodQuery
from dispatch.analytics.zones import zone_of
from dispatch.common.geo import haversine_km
from dispatch.errors import Invalid
from tests.analytics.kpi_support import FONTVIEILLE, LARVOTTO, drive_a_route
from tests.support.routes import ready_order
from tests.support.world import CASINO


@pytest.fixture
def driven(database, world):
    return drive_a_route(database, world)


def query(t0: datetime, **extra) -> PeriodQuery:
    return PeriodQuery(start=t0.date() - timedelta(days=1), end=datetime.now(UTC).date(), **extra)


def test_the_period_read_from_the_services(database, world, driven):
    t0, order_ids = driven
    report = kpi_report(database.uow(), query(t0), now=datetime.now(UTC), currency="EUR")
    k = report.overall
    assert (k.orders, k.delivered, k.cancelled) == (3, 2, 0)
    assert k.on_time_rate == pytest.approx(1 / 3)
    assert k.lateness_mean_min == pytest.approx(5.0)  # 0 and 10 minutes late
    assert k.first_attempt_success == pytest.approx(2 / 3)
    assert k.pick_mismatches_per_100 == 0.0
    assert (k.units_ordered, k.units_short, k.stockout_events) == (3, 1000, 1)
    assert k.fill_rate == pytest.approx(3 / 1003)
    # ETAs kept: all three at +10; the second and third again at +20 (the first arrival),
    # +25, and the third at +70. Reached: the first (lead 10) and the second (60, 50, 45).
    assert k.eta_samples == 4
    assert {b.lead: b.samples for b in k.eta_by_lead} == {
        "0-15": 1, "15-30": 0, "30-60": 2, "60-120": 1, "120+": 0}
    # On the road from the first event (+20) to the last (+90): 70 min for 2 deliveries
    # and 2 stops done; distance through the two pings.
    assert k.minutes_per_delivery == pytest.approx(35.0)
    assert k.stops_per_route_hour == pytest.approx(2 / (70 / 60))
    assert k.km == pytest.approx(haversine_km(*CASINO, *LARVOTTO))
    assert k.driver_utilisation is None  # no shift rostered
    assert k.revenue_minor > 0 and k.refunds_minor == 0


def test_groups_by_driver_and_zone(database, world, driven):
    t0, _ = driven
    by_driver = kpi_report(database.uow(), query(t0, group_by="driver"),
                           now=datetime.now(UTC), currency="EUR")
    assert [(g.key, g.label, g.kpis.orders) for g in by_driver.groups] == [
        (str(world.drivers["ana"]), "Ana", 3)]
    by_zone = kpi_report(database.uow(), query(t0, group_by="zone", zone_precision=7),
                         now=datetime.now(UTC), currency="EUR")
    zones = {g.key: g.kpis.delivered for g in by_zone.groups}
    assert zones == {zone_of(*CASINO, 7): 1, zone_of(*LARVOTTO, 7): 1,
                     zone_of(*FONTVIEILLE, 7): 0}


def test_orders_not_yet_due_are_left_out(database, world):
    ready_order(database, world)  # its window is two hours ahead
    today = datetime.now(UTC).date()
    report = kpi_report(database.uow(), PeriodQuery(start=today, end=today + timedelta(days=1)),
                        now=datetime.now(UTC), currency="EUR")
    assert report.overall.orders == 0 and report.overall.on_time_rate is None


def test_a_reversed_period_names_to(database):
    with pytest.raises(Invalid) as refused:
        kpi_report(database.uow(), PeriodQuery(start=datetime(2026, 11, 2).date(),
                                            end=datetime(2026, 11, 1).date()),
                   now=datetime.now(UTC), currency="EUR")
    assert refused.value.field == "to"
