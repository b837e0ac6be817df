"""solve() end to end: objectives, reproducibility, JSON round-trip and a realistic wave."""

from __future__ import annotations

import json
import random

import pytest

from dispatch.routing import (
    Break,
    GeoPoint,
    Problem,
    Solution,
    SolveParams,
    Stop,
    TimeWindow,
    Vehicle,
    evaluate,
    solve,
)

from .helpers import FAST, REASON_CODES, all_served, at, order, plan_of, solve_checked, van


def _two_depots() -> Problem:
    """Two vans 100 apart, each with a cluster at its door: distance favours using both."""
    stops = [order("order-1", 5, 5), order("order-2", 10, -5), order("order-3", -5, 8),
             order("order-4", 105, 5), order("order-5", 95, -5), order("order-6", 100, 10)]
    return Problem([van("van-1"), van("van-2", start=at(100))], stops)


def test_hierarchical_objective_uses_fewer_vehicles_than_cost():
    """Where two vans drive less than one, 'cost' uses two and 'hierarchical' uses one."""
    problem = _two_depots()
    by_cost = solve_checked(problem, FAST.with_(objective="cost"))
    fewest = solve_checked(problem, FAST.with_(objective="hierarchical"))
    assert all_served(problem, by_cost) and all_served(problem, fewest)
    assert by_cost.vehicles_used == 2
    assert fewest.vehicles_used == 1
    assert fewest.distance > by_cost.distance


def _wave_problem(n_stops: int = 15, n_vans: int = 3, seed: int = 3) -> Problem:
    rng = random.Random(seed)
    stops = [
        order(f"order-{i}", rng.uniform(-100, 100), rng.uniform(-100, 100),
              windows=(TimeWindow(w, w + 400),), service_time=10, demand={"kg": rng.randint(1, 5)})
        for i, w in enumerate(rng.choice([0, 200, 400, 600]) for _ in range(n_stops))
    ]
    vans = [van(f"van-{k}", capacity={"kg": 20}, shift=TimeWindow(0, 2000))
            for k in range(1, n_vans + 1)]
    return Problem(vans, stops)


@pytest.mark.parametrize("objective", ["cost", "hierarchical"])
def test_single_worker_solution_limit_is_reproducible(objective):
    """With workers=1 and solution_limit=50, two solves give identical routes."""
    problem = _wave_problem()
    params = SolveParams(time_limit=20, solution_limit=50, workers=1, objective=objective)
    first, second = solve(problem, params), solve(problem, params)
    assert plan_of(first) == plan_of(second)
    assert first.routes == second.routes
    assert first.unassigned == second.unassigned


def test_solution_json_round_trip():
    """A solution with breaks, loads and unassigned stops survives to_dict -> JSON -> from_dict."""
    stops = [order(f"order-{i}", 20 * i, 10, demand={"kg": 3}, service_time=5,
                   windows=(TimeWindow(0, 300), TimeWindow(500, 900))) for i in range(1, 6)]
    stops.append(order("order-6", 10, skills={"fridge"}))
    brk = Break(TimeWindow(60, 120), 15)
    problem = Problem([van("van-1", capacity={"kg": 10}, breaks=(brk,)),
                       van("van-2", capacity={"kg": 10})], stops)
    solution = solve_checked(problem)
    assert solution.unassigned and any(r.breaks for r in solution.routes)
    text = json.dumps(solution.to_dict(), default=list)
    back = Solution.from_dict(json.loads(text))
    assert back.routes == solution.routes
    assert back.unassigned == solution.unassigned
    assert back.violations == solution.violations
    assert back.kpis() == solution.kpis()


@pytest.mark.parametrize("point", [at, lambda x, y: GeoPoint(43.73 + y / 1e4, 7.42 + x / 1e4)])
def test_stops_without_windows_are_planned(point):
    """Stops given no time window (open all day) are routed, planar or lat/lon."""
    start = point(0, 0)
    stops = [Stop(f"order-{i}", point(10 * i, 5 * (i % 2))) for i in range(1, 6)]
    problem = Problem([Vehicle("van-1", start, TimeWindow(0, 8 * 3600))], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)


def _realistic_wave() -> Problem:
    """200 orders around central Nice in three delivery waves, 20 vans of 150 kg."""
    rng = random.Random(200)
    hour = 3600.0
    depot = GeoPoint(43.7009, 7.2683)
    waves = [TimeWindow(8 * hour, 11 * hour), TimeWindow(10 * hour, 13 * hour),
             TimeWindow(13 * hour, 17 * hour)]
    stops = [
        Stop(f"order-{i}", GeoPoint(43.7009 + rng.uniform(-0.04, 0.04),
                                    7.2683 + rng.uniform(-0.06, 0.06)),
             windows=(rng.choice(waves),), service_time=rng.choice([120, 180, 300]),
             demand={"kg": rng.randint(2, 15)})
        for i in range(1, 201)
    ]
    vans = [Vehicle(f"van-{k}", depot, TimeWindow(7 * hour, 19 * hour), capacity={"kg": 150},
                    fixed_cost=20, cost_per_hour=15) for k in range(1, 21)]
    return Problem(vans, stops, name="nice-wave")


def test_realistic_wave_serves_or_explains_every_stop():
    """A 200-stop, 20-van lat/lon wave solved for 2 s serves every stop or gives each
    unassigned one a reason, and records when the first solution was found."""
    problem = _realistic_wave()
    solution = solve(problem, SolveParams(time_limit=2, workers=1))
    served = [s for r in solution.routes for s in r.stop_ids]
    unassigned = {u.stop_id: u for u in solution.unassigned}
    assert len(served) == len(set(served))
    assert set(served) | set(unassigned) == {s.id for s in problem.stops}
    assert not set(served) & set(unassigned)
    assert all(u.reason in REASON_CODES and u.detail for u in unassigned.values())
    assert "first_solution_seconds" in solution.stats
    assert solution.stats["first_solution_seconds"] is not None
    assert evaluate(problem, plan_of(solution)).violations == ()
