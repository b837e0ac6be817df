"""ETA windows on real routes: as wide as the warehouse's measured errors, never narrower
than the minimum, cached for a minute."""

from __future__ import annotations

from datetime import timedelta

from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta import ErrorProfiles, EtaLimits
from tests.support.clock import FakeClock
from tests.support.world import CASINO, MONACO
from tests.tracking.test_eta import (
    FONTVIEILLE,
    LARVOTTO,
    SECOND,
    make_route,
    now_utc,
    place_driver,
    refresh,
    set_stops,
    stops_of,
)


def add_measured_errors(database, world, errors_minutes, lead_minutes: float,
                        warehouse: str = "MC") -> None:
    """A finished route from ``warehouse`` whose stops measured these ETA errors."""
    at = now_utc() - timedelta(days=1)
    with database.uow() as uow:
        route = DriverRoute(driver_id=world.drivers["bruno"], warehouse_id=world.warehouses[
            warehouse], status="completed", planned_start=at, planned_end=at)
        for i, error in enumerate(errors_minutes):
            route.stops.append(RouteStop(
                sequence=i + 1, kind="delivery", status="completed", lat=CASINO[0],
                lon=CASINO[1], window_start=at, window_end=at, planned_eta=at, eta=at,
                eta_low=at, eta_high=at, arrived_at=at, eta_error_seconds=error * 60.0,
                eta_lead_seconds=lead_minutes * 60.0))
        uow.db.add(route)
        uow.commit()


def half_widths(database, route_id: int) -> list[timedelta]:
    return [(s.eta_high - s.eta) for s in stops_of(database, route_id)]


def test_windows_widen_with_the_measured_error_of_the_warehouse(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)  # a few minutes away
    refresh(database, route_id, now)
    [unmeasured] = half_widths(database, route_id)
    assert unmeasured == timedelta(minutes=5.75)  # minimum + prior growth for <= 15 min
    add_measured_errors(database, world, [-25] * 10 + [25] * 20, lead_minutes=5,
                        warehouse="NCE")  # another warehouse: not ours
    refresh(database, route_id, now + SECOND)
    assert half_widths(database, route_id) == [unmeasured]
    add_measured_errors(database, world, [-20] * 10 + [20] * 20, lead_minutes=5)
    refresh(database, route_id, now + 2 * SECOND)
    stop = stops_of(database, route_id)[0]
    assert stop.eta_high - stop.eta == stop.eta - stop.eta_low == timedelta(minutes=20)


def test_windows_never_go_below_the_configured_minimum(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    add_measured_errors(database, world, [0.5] * 40, lead_minutes=5)
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now, limits=EtaLimits(window_min=timedelta(minutes=8)))
    assert half_widths(database, route_id) == [timedelta(minutes=8)]


def test_later_stops_get_windows_at_least_as_wide(database, world):
    route_id, _ = make_route(database, world, points=(CASINO, LARVOTTO, FONTVIEILLE))
    now = now_utc()
    opens = now + timedelta(hours=2)
    set_stops(database, route_id, {3}, window_start=opens, window_end=opens + timedelta(hours=1))
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now)
    widths = half_widths(database, route_id)
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_error_profiles_are_reread_only_after_their_time_to_live(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    clock = FakeClock(1000.0)
    profiles = ErrorProfiles(ttl_seconds=60, clock=clock)
    refresh(database, route_id, now, profiles=profiles)
    [before] = half_widths(database, route_id)
    add_measured_errors(database, world, [30] * 30, lead_minutes=5)
    clock.now += 59
    refresh(database, route_id, now + SECOND, profiles=profiles)
    assert half_widths(database, route_id) == [before]
    clock.now += 2
    refresh(database, route_id, now + 2 * SECOND, profiles=profiles)
    assert half_widths(database, route_id) == [timedelta(minutes=30)]
