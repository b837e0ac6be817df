"""The ETA engine re-times a route's remaining stops from where the driver is, now."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch.orders import lifecycle
from dispatch.orders.schemas import CancelIn
from dispatch.routing import (
    GeoPoint,
    GreatCircleMatrix,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
    evaluate,
)
from dispatch.settings import Settings
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta import ErrorProfiles, EtaLimits, refresh_route, time_stops
from dispatch.tracking.models import DriverPosition
from tests.support.routes import publish_route, ready_order
from tests.support.world import CASINO, MONACO, NICE

LARVOTTO = (43.7445, 7.4340)
FONTVIEILLE = (43.7290, 7.4150)
SERVICE = 180.0  # what publish_route gives every stop
SECOND = timedelta(seconds=1)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class StopView:
    id: int
    sequence: int
    status: str
    eta: datetime
    eta_low: datetime
    eta_high: datetime
    notified_eta: datetime | None
    arriving_next_sent: bool


def make_route(database, world, points=(CASINO, LARVOTTO, FONTVIEILLE), *, depart=True,
               start: datetime | None = None) -> tuple[int, list[int]]:
    """Ana's active route through ``points`` (ready orders), windows open all day, and
    (``depart``) her orders out for delivery."""
    order_ids = [ready_order(database, world, where=p) for p in points]
    route_id = publish_route(database, world, "ana", order_ids, start=start)
    set_stops(database, route_id, window_start=now_utc() - timedelta(hours=6),
              window_end=now_utc() + timedelta(hours=6))
    if depart:
        for order_id in order_ids:
            lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])
    return route_id, order_ids


def set_stops(database, route_id: int, sequences=None, **values) -> None:
    """Write ``values`` onto the route's stops (those at ``sequences``, default all)."""
    with database.uow() as uow:
        for stop in uow.db.scalars(select(RouteStop).where(RouteStop.route_id == route_id)):
            if sequences is None or stop.sequence in sequences:
                for name, value in values.items():
                    setattr(stop, name, value)
        uow.commit()


def place_driver(database, driver_id: int, where, at: datetime) -> None:
    with database.uow() as uow:
        position = uow.db.get(DriverPosition, driver_id)
        if position is None:
            position = DriverPosition(driver_id=driver_id)
            uow.db.add(position)
        position.lat, position.lon, position.recorded_at = where[0], where[1], at
        uow.commit()


def refresh(database, route_id: int, now: datetime, **kwargs):
    kwargs.setdefault("profiles", ErrorProfiles())
    with database.uow() as uow:
        result = refresh_route(uow.db, route_id, now=now, **kwargs)
        uow.commit()
    return result


def stops_of(database, route_id: int) -> list[StopView]:
    with database.uow() as uow:
        rows = uow.db.scalars(select(RouteStop).where(RouteStop.route_id == route_id)
                              .order_by(RouteStop.sequence))
        return [StopView(s.id, s.sequence, s.status, s.eta, s.eta_low, s.eta_high,
                         s.notified_eta, s.arriving_next_sent) for s in rows]


def legs(*points) -> list[float]:
    """Seconds of each leg between consecutive points on the planning matrix."""
    duration = GreatCircleMatrix().matrix([GeoPoint(*p) for p in points]).duration
    return [float(duration[i, i + 1]) for i in range(len(points) - 1)]


def assert_close(actual: datetime, expected: datetime) -> None:
    assert abs(actual - expected) <= SECOND, (actual, expected)


def plan_mode_starts(start: GeoPoint, depart_at: datetime, stops, now: datetime):
    """The reference: a one-vehicle Problem timed by the routing core's ``evaluate``."""
    problem_stops = tuple(
        Stop(str(s.id), GeoPoint(s.lat, s.lon), service_time=s.service_seconds,
             windows=(TimeWindow((s.window_start - now).total_seconds(),
                                 (s.window_end - now).total_seconds()),))
        for s in stops)
    vehicle = Vehicle("v", start, TimeWindow(0.0, math.inf),
                      available_from=(depart_at - now).total_seconds())
    solution = evaluate(Problem((vehicle,), problem_stops), {"v": [s.id for s in problem_stops]})
    return [now + timedelta(seconds=v.start) for v in solution.routes[0].visits]


@pytest.mark.parametrize("seed", range(25))
def test_the_lean_timing_equals_the_routing_cores_plan_mode(seed):
    """Random routes around Monaco with early (waiting), open and missed windows."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    stops = []
    for i in range(rng.randint(1, 30)):
        opens = now + timedelta(minutes=rng.uniform(-120, 240))
        closes = opens + timedelta(minutes=rng.choice([5, 30, 120]))
        stops.append(RouteStop(id=i + 1, lat=MONACO[0] + rng.uniform(-0.03, 0.03),
                               lon=MONACO[1] + rng.uniform(-0.04, 0.04),
                               window_start=opens, window_end=closes,
                               service_seconds=rng.choice([0.0, 60.0, 180.0, 600.0])))
    start = GeoPoint(MONACO[0] + rng.uniform(-0.1, 0.1), MONACO[1] + rng.uniform(-0.1, 0.1))
    depart_at = now + timedelta(seconds=rng.choice([0.0, 90.5, 1800.0]))
    lean = time_stops(start, depart_at, stops, now)
    reference = plan_mode_starts(start, depart_at, stops, now)
    assert len(lean) == len(reference) == len(stops)
    for ours, theirs in zip(lean, reference, strict=True):
        assert abs(ours - theirs) <= timedelta(milliseconds=500)  # ours: whole seconds


def test_etas_are_the_plan_mode_timings_from_the_drivers_position(database, world):
    """Travel on the planning matrix from Ana's position, plus service at each stop."""
    route_id, _ = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], NICE, now - timedelta(seconds=20))
    result = refresh(database, route_id, now)
    assert result.origin == "position" and result.under_way and result.remaining == 3
    to_casino, to_larvotto, to_fontvieille = legs(NICE, CASINO, LARVOTTO, FONTVIEILLE)
    casino = now + timedelta(seconds=to_casino)
    larvotto = casino + timedelta(seconds=SERVICE + to_larvotto)
    fontvieille = larvotto + timedelta(seconds=SERVICE + to_fontvieille)
    for stop, expected in zip(stops_of(database, route_id), (casino, larvotto, fontvieille),
                              strict=True):
        assert_close(stop.eta, expected)
    with database.uow() as uow:
        assert uow.db.get(DriverRoute, route_id).eta_updated_at == now


def test_etas_move_later_when_the_driver_is_farther_away(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now)
    near = [s.eta for s in stops_of(database, route_id)]
    place_driver(database, world.drivers["ana"], NICE, now)
    refresh(database, route_id, now)
    far = [s.eta for s in stops_of(database, route_id)]
    extra = legs(NICE, CASINO)[0] - legs(MONACO, CASINO)[0]
    assert extra > 600
    for before, after in zip(near, far, strict=True):
        assert_close(after, before + timedelta(seconds=extra))


def test_a_driver_early_for_a_window_waits_and_the_eta_is_the_window_start(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    opens = now + timedelta(hours=1)
    set_stops(database, route_id, {1}, window_start=opens, window_end=opens + timedelta(hours=1))
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now)
    first, second, _ = stops_of(database, route_id)
    assert first.eta == opens
    assert_close(second.eta, opens + timedelta(seconds=SERVICE + legs(CASINO, LARVOTTO)[0]))


def test_an_arrived_stop_keeps_its_arrival_and_the_next_leaves_after_its_service(
        database, world):
    """Ana is at the Casino: the Larvotto ETA counts from there, wherever her last ping."""
    route_id, _ = make_route(database, world)
    now = now_utc()
    arrived = now - timedelta(minutes=1)
    set_stops(database, route_id, {1}, status="arrived", arrived_at=arrived)
    place_driver(database, world.drivers["ana"], NICE, now)
    result = refresh(database, route_id, now)
    assert result.origin == "arrived_stop"
    first, second, _ = stops_of(database, route_id)
    assert first.eta == first.eta_low == first.eta_high == arrived
    leaves = arrived + timedelta(seconds=SERVICE)
    assert_close(second.eta, leaves + timedelta(seconds=legs(CASINO, LARVOTTO)[0]))


def test_a_stop_served_longer_than_planned_leaves_no_earlier_than_now(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    set_stops(database, route_id, {1}, status="arrived", arrived_at=now - timedelta(minutes=20))
    refresh(database, route_id, now)
    second = stops_of(database, route_id)[1]
    assert_close(second.eta, now + timedelta(seconds=legs(CASINO, LARVOTTO)[0]))


def test_finished_stops_are_left_alone_and_the_rest_are_timed(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    sentinel = now - timedelta(hours=3)
    set_stops(database, route_id, {1}, status="completed", finished_at=now,
              eta=sentinel, eta_low=sentinel, eta_high=sentinel)
    place_driver(database, world.drivers["ana"], CASINO, now)
    result = refresh(database, route_id, now)
    assert result.remaining == 2
    first, second, third = stops_of(database, route_id)
    assert (first.eta, first.eta_low, first.eta_high) == (sentinel, sentinel, sentinel)
    assert_close(second.eta, now + timedelta(seconds=legs(CASINO, LARVOTTO)[0]))
    assert third.eta > second.eta


def test_a_stop_whose_order_was_cancelled_is_not_driven_to(database, world):
    """Dispatch cancelled the Larvotto order; the stop list has not caught up yet."""
    now = now_utc()
    route_id, order_ids = make_route(database, world, depart=False, start=now)
    lifecycle.cancel(database.uow(), order_ids[1], CancelIn(reason="customer called"),
                     world.principals["dispatcher"])
    before = stops_of(database, route_id)[1]
    result = refresh(database, route_id, now)
    assert result.remaining == 2
    first, second, third = stops_of(database, route_id)
    assert second == before
    assert_close(first.eta, now + timedelta(seconds=legs(MONACO, CASINO)[0]))
    assert_close(third.eta, first.eta + timedelta(seconds=SERVICE + legs(CASINO, FONTVIEILLE)[0]))


def test_without_a_recent_position_the_timing_starts_at_the_last_stop_visited(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    set_stops(database, route_id, {1}, status="completed", finished_at=now)
    place_driver(database, world.drivers["ana"], NICE, now - timedelta(hours=1))  # stale
    result = refresh(database, route_id, now)
    assert result.origin == "last_stop"
    assert_close(stops_of(database, route_id)[1].eta,
                 now + timedelta(seconds=legs(CASINO, LARVOTTO)[0]))


def test_a_route_not_yet_under_way_starts_at_the_warehouse_at_the_planned_start(
        database, world):
    """Orders still planned: a ping elsewhere does not matter, the van is loading."""
    now = now_utc()
    start = now + timedelta(minutes=30)
    route_id, _ = make_route(database, world, depart=False, start=start)
    place_driver(database, world.drivers["ana"], NICE, now)
    result = refresh(database, route_id, now)
    assert result.origin == "warehouse" and not result.under_way
    assert_close(stops_of(database, route_id)[0].eta,
                 start + timedelta(seconds=legs(MONACO, CASINO)[0]))
    late = now + timedelta(hours=1)  # past the planned start: leaves now at the earliest
    refresh(database, route_id, late)
    assert_close(stops_of(database, route_id)[0].eta,
                 late + timedelta(seconds=legs(MONACO, CASINO)[0]))


def test_a_route_marked_departed_is_under_way_before_any_order_moves(database, world):
    route_id, _ = make_route(database, world, depart=False)
    now = now_utc()
    with database.uow() as uow:
        uow.db.get(DriverRoute, route_id).departed_at = now
        uow.commit()
    place_driver(database, world.drivers["ana"], NICE, now)
    result = refresh(database, route_id, now)
    assert result.under_way and result.origin == "position"
    assert_close(stops_of(database, route_id)[0].eta,
                 now + timedelta(seconds=legs(NICE, CASINO)[0]))


def test_an_unchanged_refresh_writes_no_stop(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    assert len(refresh(database, route_id, now).updated) == 3
    assert refresh(database, route_id, now + SECOND).updated == ()


def test_stops_the_caller_holds_see_the_refreshed_etas(database, world):
    """The stop-event code marks an arrival on its loaded stop and refreshes in the same
    session: its stop objects carry what was written, and nothing is written twice."""
    route_id, _ = make_route(database, world)
    now = now_utc()
    with database.uow() as uow:
        route = uow.db.get(DriverRoute, route_id)
        first, second, third = route.stops
        first.status, first.arrived_at = "arrived", now
        result = refresh_route(uow.db, route_id, now=now, profiles=ErrorProfiles())
        assert result.origin == "arrived_stop"
        held = [(s.eta, s.eta_low, s.eta_high, s.notified_eta) for s in route.stops]
        assert [o for o in uow.db.dirty if o is not route] == []
        uow.commit()
    stored = [(s.eta, s.eta_low, s.eta_high, s.notified_eta) for s in stops_of(database,
                                                                                route_id)]
    assert held == stored
    assert stored[0][0] == now
    assert_close(stored[1][0], now + timedelta(seconds=SERVICE + legs(CASINO, LARVOTTO)[0]))


def test_a_route_that_is_no_longer_active_is_not_touched(database, world):
    route_id, _ = make_route(database, world)
    with database.uow() as uow:
        uow.db.get(DriverRoute, route_id).status = "completed"
        uow.commit()
    before = stops_of(database, route_id)
    assert refresh(database, route_id, now_utc()) is None
    assert refresh(database, 987_654, now_utc()) is None
    assert stops_of(database, route_id) == before


def test_default_limits_are_the_settings_defaults():
    defaults = Settings()
    assert EtaLimits() == EtaLimits.from_settings(defaults)
    custom = EtaLimits.from_settings(Settings(eta_notify_change_minutes=3,
                                              eta_window_min_minutes=2, eta_sample_minutes=1))
    assert (custom.notify_change, custom.window_min, custom.sample_every) == (
        timedelta(minutes=3), timedelta(minutes=2), timedelta(minutes=1))


def test_a_slower_vehicle_gets_proportionally_later_etas():
    """A bike at 0.8x the default road speeds takes 1.25x as long for the same leg."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    stop = RouteStop(id=1, lat=CASINO[0], lon=CASINO[1], window_start=now - timedelta(hours=1),
                     window_end=now + timedelta(hours=1), service_seconds=0.0)
    [default] = time_stops(GeoPoint(*MONACO), now, [stop], now)
    [slow] = time_stops(GeoPoint(*MONACO), now, [stop], now, speed_factor=0.8)
    leg = legs(MONACO, CASINO)[0]
    assert abs((default - now).total_seconds() - leg) <= 1
    assert abs((slow - now).total_seconds() - leg / 0.8) <= 1


def test_drivers_carry_their_speed_factor(client, world):
    body = {"name": "Zoe Rider", "warehouse_id": world.warehouses["MC"], "vehicle": "bike",
            "capacity_weight_g": 10_000, "capacity_volume_ml": 40_000, "speed_factor": 0.8}
    created = client.post("/drivers", json=body, headers=world.auth("dispatcher"))
    assert created.status_code == 201 and created.json()["speed_factor"] == 0.8
    bad = client.post("/drivers", json={**body, "speed_factor": 0},
                      headers=world.auth("dispatcher"))
    assert bad.status_code == 422 and bad.json()["field"] == "speed_factor"
