"""Unassigned stops come back with the binding constraint as their reason."""

from __future__ import annotations

from dispatch.routing import Problem, Solution, SolveParams, StopKind, TimeWindow, solve
from dispatch.routing.solver import reasons

from .helpers import FAST, REASON_CODES, order, reason_of, solve_checked, van


def _served(solution: Solution) -> set[str]:
    return {s for r in solution.routes for s in r.stop_ids}


def test_no_vehicle_with_the_skill():
    """A stop needing 'fridge' when no van has one is left out as no_skill; the rest is served."""
    stops = [order("order-1", 10, skills={"fridge"})] + [
        order(f"order-{i}", 10 * i, 5) for i in range(2, 6)]
    problem = Problem([van("van-1", skills={"tail-lift"}), van("van-2")], stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.NO_SKILL
    assert _served(solution) == {f"order-{i}" for i in range(2, 6)}


def test_demand_exceeding_every_vehicle():
    """A 50 kg order for vans of 10 and 20 kg is left out as demand_exceeds_capacity."""
    stops = [order("order-1", 10, demand={"kg": 50})] + [
        order(f"order-{i}", 10 * i, 5, demand={"kg": 1}) for i in range(2, 6)]
    problem = Problem([van("van-1", capacity={"kg": 10}), van("van-2", capacity={"kg": 20})],
                      stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.TOO_BIG
    assert len(solution.unassigned) == 1


def test_window_unreachable_from_the_depot():
    """A stop 100 s from the depot that closes at 10 s is window_unreachable for every van."""
    stops = [order("order-1", 100, windows=(TimeWindow(0, 10),))] + [
        order(f"order-{i}", 10 * i, -5) for i in range(2, 6)]
    problem = Problem([van("van-1"), van("van-2", shift=TimeWindow(0, 500))], stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.UNREACHABLE
    assert len(solution.unassigned) == 1


def test_window_after_every_shift_is_unreachable():
    """A stop that opens after every shift has ended is window_unreachable, not an error."""
    stops = [order("order-1", 10, windows=(TimeWindow(20_000, 21_000),))] + [
        order(f"order-{i}", 10 * i) for i in range(2, 6)]
    problem = Problem([van("van-1")], stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.UNREACHABLE
    assert len(solution.unassigned) == 1


def test_capacity_exhausted_by_other_stops():
    """Six 4 kg orders for two 10 kg vans: four are served, the two left out each fit alone
    and are reported as capacity_exhausted."""
    stops = [order(f"order-{i}", 10 * i, demand={"kg": 4}) for i in range(1, 7)]
    problem = Problem([van("van-1", capacity={"kg": 10}), van("van-2", capacity={"kg": 10})],
                      stops)
    solution = solve_checked(problem)
    assert len(_served(solution)) == 4
    assert len(solution.unassigned) == 2
    assert {u.reason for u in solution.unassigned} == {reasons.CAPACITY_EXHAUSTED}


def test_route_limit_when_a_solo_trip_breaks_max_distance():
    """A stop whose round trip alone exceeds every van's max_distance is route_limit."""
    stops = [order("order-1", 200)] + [order(f"order-{i}", 10 * i, 5) for i in range(2, 6)]
    problem = Problem([van("van-1", max_distance=300)], stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.ROUTE_LIMIT
    assert len(solution.unassigned) == 1


def test_required_stop_is_served_however_costly():
    """A required stop 100 000 units away is still served: dropping it costs more."""
    shift = TimeWindow(0, 1_000_000)
    stops = [order("order-1", 100_000)] + [order(f"order-{i}", 10 * i) for i in range(2, 6)]
    problem = Problem([van("van-1", shift=shift, cost_per_km=50)], stops)
    solution = solve_checked(problem)
    assert solution.unassigned == ()
    assert "order-1" in _served(solution)


def test_optional_stop_below_its_penalty_is_left_out():
    """An optional stop far away with a tiny drop penalty is left out as penalty_below_cost."""
    stops = [order("order-1", 5000, required=False, drop_penalty=0.001)] + [
        order(f"order-{i}", 10 * i) for i in range(2, 6)]
    problem = Problem([van("van-1"), van("van-2")], stops)
    solution = solve_checked(problem)
    assert reason_of(solution, "order-1") == reasons.NOT_WORTH_IT


def test_solve_always_returns_a_solution_with_reasons():
    """Even when nothing can be served, solve returns a Solution explaining every stop."""
    stops = [
        order("order-1", 10, skills={"fridge"}),
        order("order-2", 10, demand={"kg": 99}),
        order("order-3", 500, windows=(TimeWindow(0, 5),)),
        order("order-4", 10, kind=StopKind.PICKUP, demand={"kg": 50}),
        order("order-5", 20, windows=(TimeWindow(50_000, 60_000),)),
    ]
    problem = Problem([van("van-1", capacity={"kg": 10})], stops)
    solution = solve(problem, FAST)
    assert isinstance(solution, Solution)
    assert solution.routes == ()
    assert {u.stop_id for u in solution.unassigned} == {s.id for s in stops}
    assert all(u.reason in REASON_CODES and u.detail for u in solution.unassigned)
    assert reason_of(solution, "order-1") == reasons.NO_SKILL
    assert reason_of(solution, "order-2") == reasons.TOO_BIG
    assert reason_of(solution, "order-3") == reasons.UNREACHABLE
    assert reason_of(solution, "order-4") == reasons.TOO_BIG
    assert reason_of(solution, "order-5") == reasons.UNREACHABLE


def test_optional_stop_below_its_penalty_with_a_busy_vehicle():
    """With its only van serving other stops (and hours to spare), an optional stop that is
    not worth its cost is still reported as penalty_below_cost."""
    stops = [order("order-1", 5000, required=False, drop_penalty=0.001)] + [
        order(f"order-{i}", 10 * i) for i in range(2, 6)]
    problem = Problem([van("van-1", shift=TimeWindow(0, 100_000))], stops)
    solution = solve(problem, SolveParams(time_limit=1, solution_limit=50, workers=1))
    assert reason_of(solution, "order-1") == reasons.NOT_WORTH_IT
