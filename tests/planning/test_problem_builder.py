"""The pure problem builder: vehicles per shift, stop demands and kinds, locks, lost windows."""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dispatch.planning.problem_builder import (
    AT_DEPOT,
    WINDOW_PASSED,
    PlanInputs,
    StopInput,
    VehicleInput,
    Weights,
    build_problem,
    vehicle_id,
)
from dispatch.routing import SolveParams, StopKind, evaluate, solve

ORIGIN = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DEPOT = (43.7384, 7.4246)
NEAR = (43.7396, 7.4276)  # a few hundred metres from the depot
FAR = (43.7102, 7.2620)   # Nice: ~15 km, about half an hour's drive


def van(driver_id=1, *, weight=1000, volume=10_000, position=None, starts=-HOUR, skills=()):
    return VehicleInput(driver_id=driver_id, driver_name=f"Driver {driver_id}", shift_id=10 + driver_id,
                        warehouse_id=1, home=DEPOT, shift_start=ORIGIN + starts,
                        shift_end=ORIGIN + 8 * HOUR, capacity_weight_g=weight,
                        capacity_volume_ml=volume, skills=frozenset(skills), position=position)


def work(stop_id, where=NEAR, *, kind="delivery", weight=100, ends=4 * HOUR, **extra):
    return StopInput(id=stop_id, kind=kind, warehouse_id=1, lat=where[0], lon=where[1],
                     window_start=ORIGIN, window_end=ORIGIN + ends, weight_g=weight,
                     volume_ml=100, service_seconds=120, **extra)


def test_stops_carry_kind_demand_window_and_service_time():
    built = build_problem(PlanInputs(ORIGIN, (van(),), (
        work("order:1", weight=300, skills=frozenset({"fridge"})),
        work("return:2", kind="pickup", weight=50))))
    delivery, pickup = built.problem.stop("order:1"), built.problem.stop("return:2")
    assert delivery.kind is StopKind.DELIVERY and pickup.kind is StopKind.PICKUP
    assert dict(delivery.demand) == {"weight_g": 300, "volume_ml": 100}
    # Not on board yet: only a driver still at the warehouse can take it.
    assert delivery.skills == {"fridge", AT_DEPOT} and delivery.service_time == 120
    assert AT_DEPOT not in pickup.skills
    assert delivery.windows[0].start == 0 and delivery.windows[0].end == 4 * 3600


def test_vehicle_starts_at_the_warehouse_with_its_shift_clipped_to_now():
    built = build_problem(PlanInputs(ORIGIN, (van(weight=777),), (work("order:1"),),
                                     Weights(cost_per_km=2, cost_per_hour=30,
                                             fixed_cost_per_driver=5)))
    vehicle = built.problem.vehicle(vehicle_id(1))
    assert vehicle.start.lat == DEPOT[0] and vehicle.end_location == vehicle.start
    assert vehicle.shift.start == 0 and vehicle.shift.end == 8 * 3600
    assert vehicle.available_from is None
    assert dict(vehicle.capacity) == {"weight_g": 777, "volume_ml": 10_000}
    assert (vehicle.cost_per_km, vehicle.cost_per_hour, vehicle.fixed_cost) == (2, 30, 5)


def test_a_vehicle_under_way_leaves_from_its_position_now():
    built = build_problem(PlanInputs(ORIGIN, (van(position=FAR),), (work("order:1"),)))
    vehicle = built.problem.vehicle(vehicle_id(1))
    assert (vehicle.start.lat, vehicle.start.lon) == FAR
    assert (vehicle.end_location.lat, vehicle.end_location.lon) == DEPOT
    assert vehicle.available_from == 0


def test_capacity_holds_at_every_point_with_pickups():
    """A 1 kg van delivers 600 g and collects a 600 g return: fine delivery-first, over
    capacity the other way round; the solver picks the order that fits."""
    inputs = PlanInputs(ORIGIN, (van(weight=1000),), (
        work("order:1", weight=600), work("return:2", FAR, kind="pickup", weight=600)))
    problem = build_problem(inputs).problem
    good = evaluate(problem, {vehicle_id(1): ["order:1", "return:2"]})
    assert good.feasible
    assert [v.load["weight_g"] for v in good.routes[0].visits] == [0, 600]
    bad = evaluate(problem, {vehicle_id(1): ["return:2", "order:1"]})
    assert [v.kind for v in bad.violations] == ["capacity"]
    solved = solve(problem, SolveParams(time_limit=5, solution_limit=20))
    assert solved.routes[0].stop_ids == ("order:1", "return:2") and not solved.unassigned


def test_dispatched_stops_are_pinned_and_arrived_ones_frozen_first():
    stops = (work("order:1", driver_id=1, dispatched=True),
             work("order:2", driver_id=2, arrived=True, dispatched=True),
             work("order:3", driver_id=1))
    problem = build_problem(PlanInputs(ORIGIN, (van(1), van(2)), stops)).problem
    assert dict(problem.locks.pinned) == {"order:1": vehicle_id(1)}
    assert dict(problem.locks.frozen) == {vehicle_id(2): ("order:2",)}
    solved = solve(problem, SolveParams(time_limit=5, solution_limit=20))
    assert "order:1" in solved.route_of(vehicle_id(1)).stop_ids
    assert solved.route_of(vehicle_id(2)).stop_ids[0] == "order:2"


def test_allow_moving_dispatched_unpins_but_keeps_arrived_frozen():
    stops = (work("order:1", driver_id=1, dispatched=True),
             work("order:2", driver_id=2, arrived=True, dispatched=True))
    problem = build_problem(PlanInputs(ORIGIN, (van(1), van(2)), stops,
                                       allow_moving_dispatched=True)).problem
    assert dict(problem.locks.pinned) == {}
    assert dict(problem.locks.frozen) == {vehicle_id(2): ("order:2",)}


def test_lost_windows_are_reported_not_dropped():
    """Nice is half an hour away: a window closing in 10 minutes is lost, one closing in
    an hour is not, and one closing in 10 minutes next door is still met."""
    stops = (work("order:1", FAR, ends=timedelta(minutes=10)), work("order:2", FAR, ends=HOUR),
             work("order:3", NEAR, ends=timedelta(minutes=10)),
             work("return:4", FAR, kind="pickup", ends=-HOUR))
    built = build_problem(PlanInputs(ORIGIN, (van(),), stops))
    assert {s.id for s in built.problem.stops} == {"order:2", "order:3"}
    assert [(u.stop_id, u.reason) for u in built.window_passed] == [
        ("order:1", WINDOW_PASSED), ("return:4", WINDOW_PASSED)]
    assert "earliest arrival" in built.window_passed[0].detail


def test_serve_late_routes_lost_windows_late_at_the_late_cost():
    """With serve_late nothing is left out for time: the lost window's close is soft, the
    others stay hard, and the lost one is served late, the others on time."""
    stops = (work("order:1", FAR, ends=timedelta(minutes=10)), work("order:2", FAR, ends=HOUR),
             work("order:3", NEAR, ends=timedelta(minutes=10)))
    inputs = PlanInputs(ORIGIN, (van(),), stops, Weights(late_cost_per_hour=900),
                        serve_late=True)
    built = build_problem(inputs)
    assert built.window_passed == ()
    assert {s.id: s.late_cost_per_hour for s in built.problem.stops} == {
        "order:1": 900, "order:2": None, "order:3": None}
    solution = solve(built.problem, SolveParams(time_limit=2, solution_limit=50, workers=1))
    late = {v.stop_id: v.lateness for r in solution.routes for v in r.visits}
    assert set(late) == {"order:1", "order:2", "order:3"}
    assert late["order:1"] > 0 and late["order:2"] == late["order:3"] == 0


def test_depart_now_sends_drivers_at_the_warehouse_off_at_once():
    """A window opening in an hour: by default the van leaves just in time for it; with
    depart_now it leaves now and waits there (a kitchen's packed bag goes at once)."""
    stops = (work("order:1", FAR, ends=3 * HOUR),)
    later = replace(stops[0], window_start=ORIGIN + 2 * HOUR)
    for depart_now, leaves_at in ((False, "late"), (True, 0.0)):
        built = build_problem(PlanInputs(ORIGIN, (van(),), (later,), depart_now=depart_now))
        solution = solve(built.problem, SolveParams(time_limit=2, solution_limit=20, workers=1))
        (route,) = solution.routes
        if leaves_at == "late":
            assert route.start_time > HOUR.total_seconds()
        else:
            assert route.start_time == leaves_at and route.visits[0].waiting > 0


def test_a_driver_riding_back_starts_their_next_trip_when_back():
    """Last seen in Nice, ~half an hour out: the next trip leaves the warehouse then."""
    riding = replace(van(), returning_from=FAR)
    built = build_problem(PlanInputs(ORIGIN, (riding,), (work("order:1"),), depart_now=True))
    vehicle = built.problem.vehicle(vehicle_id(1))
    assert (vehicle.start.lat, vehicle.start.lon) == DEPOT
    assert 20 * 60 < vehicle.shift.start < 60 * 60 and vehicle.departure == vehicle.shift.start


def test_a_late_dispatched_stop_stays_on_its_route():
    """The parcel is in the van: a lost window no longer binds, the stop is kept."""
    stops = (work("order:1", FAR, ends=-HOUR, driver_id=1, dispatched=True),)
    built = build_problem(PlanInputs(ORIGIN, (van(),), stops))
    assert not built.window_passed
    assert built.problem.stop("order:1").windows[0].end == float("inf")


def test_a_shift_starting_later_counts_for_the_lead_time():
    """The only van starts in two hours: an order due within the hour is lost."""
    built = build_problem(PlanInputs(ORIGIN, (van(starts=2 * HOUR),), (work("order:1", ends=HOUR),)))
    assert [u.stop_id for u in built.window_passed] == ["order:1"]
    assert built.problem.vehicle(vehicle_id(1)).shift.start == 2 * 3600


def test_only_a_vehicle_equipped_for_the_goods_counts_for_the_lead_time():
    """A hot dish next door due in 10 minutes: the plain van there now does not save it
    when the only hot bag starts in two hours, so it is lost (served late with
    serve_late); a plain dish beside it is not."""
    fleet = (van(1), van(2, starts=2 * HOUR, skills={"hot-bag"}))
    stops = (work("order:1", ends=timedelta(minutes=10), skills=frozenset({"hot-bag"})),
             work("order:2", ends=timedelta(minutes=10)))
    built = build_problem(PlanInputs(ORIGIN, fleet, stops))
    assert [u.stop_id for u in built.window_passed] == ["order:1"]
    late = build_problem(PlanInputs(ORIGIN, fleet, stops, serve_late=True))
    assert late.problem.stop("order:1").late_cost_per_hour is not None
    assert late.problem.stop("order:2").late_cost_per_hour is None


def test_a_slower_vehicle_needs_longer_to_reach_a_window():
    """Nice is about half an hour away: due in 45 minutes it is met at full speed, not
    at half speed."""
    stops = (work("order:1", FAR, ends=45 * timedelta(minutes=1)),)
    assert not build_problem(PlanInputs(ORIGIN, (van(),), stops)).window_passed
    slow = replace(van(), speed_factor=0.5)
    assert [u.stop_id for u in build_problem(PlanInputs(ORIGIN, (slow,), stops)).window_passed
            ] == ["order:1"]


def test_work_on_a_route_keeps_the_eta_its_customer_was_shown():
    """A stop already on a route, shown 10:40: past 10:45 costs the promise weight; new
    work has no promise, nor has a lost window served late."""
    shown = ORIGIN + timedelta(minutes=40)
    stops = (work("order:1", eta=shown, driver_id=1), work("order:2"),
             work("order:3", FAR, ends=timedelta(minutes=10), eta=shown, driver_id=1))
    built = build_problem(PlanInputs(ORIGIN, (van(),), stops,
                                     Weights(promise_cost_per_hour=90), serve_late=True))
    kept = built.problem.stop("order:1")
    assert kept.promised_by == 45 * 60 and kept.promise_cost_per_hour == 90
    assert kept.keeps_promise
    assert built.problem.stop("order:2").promised_by is None
    assert not built.problem.stop("order:3").keeps_promise


def test_inputs_cross_a_process_boundary():
    inputs = PlanInputs(ORIGIN, (van(position=FAR),), (work("order:1", driver_id=1, eta=ORIGIN),))
    assert pickle.loads(pickle.dumps(inputs)) == inputs


def test_builder_needs_no_database_or_web_framework():
    root = Path(__file__).resolve().parents[2]
    code = ("import sys, dispatch.planning.problem_builder, dispatch.planning.results, "
            "dispatch.planning.diff; print(sorted({m.split('.')[0] for m in sys.modules}))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, cwd=root).stdout
    assert "sqlalchemy" not in loaded and "fastapi" not in loaded


def test_a_driver_under_way_takes_new_pickups_but_no_new_deliveries():
    """Goods are loaded at the warehouse: a van on the road gets the new pickup, the
    new delivery waits for a van that has not left (or for the next route)."""
    on_road = van(1, position=NEAR)
    inputs = PlanInputs(origin=ORIGIN, vehicles=(on_road,),
                        stops=(work("order:1"), work("return:2", kind="pickup")))
    solution = solve(build_problem(inputs).problem, SolveParams(time_limit=1, solution_limit=20))
    assert [v.stop_id for r in solution.routes for v in r.visits] == ["return:2"]
    assert [u.stop_id for u in solution.unassigned] == ["order:1"]
    at_home = van(2)
    inputs = PlanInputs(origin=ORIGIN, vehicles=(on_road, at_home), stops=(work("order:1"),))
    solution = solve(build_problem(inputs).problem, SolveParams(time_limit=1, solution_limit=20))
    assert solution.route_of("driver:2").visits[0].stop_id == "order:1"
