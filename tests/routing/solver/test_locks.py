"""Re-planning locks: pinned stops, frozen prefixes and vehicles already on the road."""

from __future__ import annotations

from dispatch.routing import Locks, Problem, Solution, TimeWindow, evaluate, solve
from dispatch.routing.solver import reasons

from .helpers import FAST, all_served, at, dist, order, plan_of, reason_of, solve_checked, van


def test_pinned_stop_stays_on_its_vehicle():
    """A stop next to van-1's depot but pinned to van-2 is served by van-2."""
    stops = [order("order-1", 5, 5), order("order-2", 10), order("order-3", 0, 10),
             order("order-4", 95), order("order-5", 105, 5)]
    vans = [van("van-1"), van("van-2", start=at(100))]
    problem = Problem(vans, stops, locks=Locks(pinned={"order-1": "van-2"}))
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert "order-1" in solution.route_of("van-2").stop_ids


def test_frozen_prefix_stays_first_and_in_order():
    """A frozen, out-of-the-way order of two stops opens van-1's route unchanged; the other
    stops are planned after it."""
    stops = [order(f"order-{i}", 10 * i, 5 * (-1) ** i) for i in range(1, 8)]
    prefix = ("order-6", "order-2")
    problem = Problem([van("van-1"), van("van-2")], stops,
                      locks=Locks(frozen={"van-1": prefix}))
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    route = solution.route_of("van-1")
    assert route.stop_ids[:2] == prefix
    other = solution.route_of("van-2")
    assert other is None or not set(prefix) & set(other.stop_ids)


def test_mid_route_start_times_from_the_current_position():
    """A van at x=50 that is free only at 300 s reaches each stop no earlier than 300 s plus
    the drive from where it is; a stop that would need an earlier start is left out."""
    here, free_at = at(50), 300.0
    stops = [order("order-1", 70, 10), order("order-2", 20, -10), order("order-3", 0, 30),
             order("order-4", 60, -20),
             order("order-5", 100, windows=(TimeWindow(0, 320),))]  # 350 s at the earliest
    vehicle = van("van-1", start=here, end=at(0), shift=TimeWindow(0, 2000),
                  available_from=free_at)
    problem = Problem([vehicle], stops)
    solution = solve_checked(problem)
    route = solution.routes[0]
    assert route.start_time >= free_at - 1e-6
    for visit in route.visits:
        drive = dist(here, problem.stop(visit.stop_id).location)
        assert visit.arrival >= free_at + drive - 1e-6
    assert set(route.stop_ids) == {"order-1", "order-2", "order-3", "order-4"}
    assert reason_of(solution, "order-5") == reasons.UNREACHABLE


def test_late_frozen_stop_is_reported_not_fatal():
    """A frozen stop whose window has already closed keeps its place and shows up as a
    'window' violation, while the other stops are still planned."""
    stops = [order("order-1", 150, windows=(TimeWindow(0, 400),)),
             order("order-2", 120, 10), order("order-3", 80, -10), order("order-4", 20),
             order("order-5", 40, 20), order("order-6", -30, 5)]
    vehicle = van("van-1", start=at(100), end=at(0), available_from=500)
    problem = Problem([vehicle, van("van-2")], stops,
                      locks=Locks(frozen={"van-1": ("order-1",)}))
    solution = solve(problem, FAST)
    assert isinstance(solution, Solution)
    assert all_served(problem, solution)
    assert solution.route_of("van-1").stop_ids[0] == "order-1"
    assert [(v.kind, v.stop_id) for v in solution.violations] == [("window", "order-1")]
    replay = evaluate(problem, plan_of(solution))
    assert [(v.kind, v.stop_id) for v in replay.violations] == [("window", "order-1")]


def test_late_frozen_stop_past_the_shift_end_keeps_the_rest_planned():
    """A late frozen stop that also keeps its van out past its shift must not stop the
    other van from serving the other stops."""
    stops = [order("order-1", 300, windows=(TimeWindow(0, 500),)),
             order("order-2", 20), order("order-3", 30), order("order-4", -20, 5),
             order("order-5", 10, 10)]
    late = van("van-1", start=at(100), shift=TimeWindow(0, 1000), available_from=900)
    problem = Problem([late, van("van-2")], stops, locks=Locks(frozen={"van-1": ("order-1",)}))
    solution = solve(problem, FAST)
    served = {s for r in solution.routes for s in r.stop_ids}
    assert {"order-2", "order-3", "order-4", "order-5"} <= served
    assert solution.route_of("van-1").stop_ids[0] == "order-1"
    assert {v.kind for v in solution.violations} >= {"window", "shift"}


def test_overloaded_frozen_prefix_is_kept_and_reported():
    """A frozen stop heavier than its van keeps its place; the rest goes to the other van and
    the overload is reported, not hidden."""
    problem = Problem(
        [van("van-1", capacity={"kg": 5}), van("van-2", capacity={"kg": 50})],
        [order("order-big", 10, demand={"kg": 9}), order("order-2", 20, demand={"kg": 1}),
         order("order-3", 30, demand={"kg": 1})],
        locks=Locks(frozen={"van-1": ("order-big",)}))
    solution = solve(problem, FAST)
    assert solution.route_of("van-1").stop_ids == ("order-big",)
    assert {s for r in solution.routes for s in r.stop_ids} == {
        "order-big", "order-2", "order-3"}
    assert [v.kind for v in solution.violations] == ["capacity"]
