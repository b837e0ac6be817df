"""The ruin-and-recreate fleet minimiser and the arrays it works on."""

import time

import pytest

from dispatch.routing import Pair, Problem, SolveParams, StopKind, TimeWindow, evaluate, solve
from dispatch.routing.matrices.resolve import problem_matrix
from dispatch.routing.solver.fleet_arrays import fleet_arrays
from dispatch.routing.solver.ruin_recreate import FleetMinimiser
from dispatch.routing.solver.scaling import Scales

from .helpers import order, van


def ring_problem(stops=8, capacity=100, **stop_kw):
    """Stops on a small ring around the depot, loose windows, one van per stop available."""
    vans = [van(f"van-{i}", capacity={"kg": capacity}) for i in range(stops)]
    orders = [order(f"order-{i}", 10 + i, 5 * (i % 2), demand={"kg": 10}, service_time=5,
                    **stop_kw) for i in range(stops)]
    return Problem(vehicles=vans, stops=orders)


def arrays_of(problem):
    return fleet_arrays(problem, problem_matrix(problem), Scales.for_problem(problem, None))


def to_plan(problem, arrays, routes):
    vehicles = [v.id for v in problem.vehicles]
    return {vehicles[i]: [arrays.stop_ids[n - 1] for n in r] for i, r in enumerate(routes)}


def test_one_route_per_stop_collapses_to_one_route():
    """Eight single-stop routes merge into one when capacity and windows allow it."""
    problem = ring_problem()
    arrays = arrays_of(problem)
    singles = [[n] for n in range(1, arrays.size + 1)]
    routes = FleetMinimiser(arrays, seed=1).minimise(singles, time.perf_counter() + 2)
    assert len(routes) == 1
    assert sorted(routes[0]) == list(range(1, arrays.size + 1))
    assert evaluate(problem, to_plan(problem, arrays, routes)).violations == ()


def test_capacity_keeps_the_routes_it_needs():
    """With room for four orders per van, eight orders keep exactly two routes."""
    problem = ring_problem(capacity=40)
    arrays = arrays_of(problem)
    singles = [[n] for n in range(1, arrays.size + 1)]
    routes = FleetMinimiser(arrays, seed=2).minimise(singles, time.perf_counter() + 1)
    assert len(routes) == 2
    assert evaluate(problem, to_plan(problem, arrays, routes)).violations == ()


def test_simultaneous_windows_far_apart_are_not_merged():
    """Two stops that must both be served at t=100, 200 apart, stay on two routes."""
    vans = [van("van-1"), van("van-2")]
    stops = [order("east", 100, windows=[TimeWindow(100, 100)]),
             order("west", -100, windows=[TimeWindow(100, 100)])]
    problem = Problem(vehicles=vans, stops=stops)
    arrays = arrays_of(problem)
    routes = FleetMinimiser(arrays).minimise([[1], [2]], time.perf_counter() + 0.3)
    assert len(routes) == 2


@pytest.mark.parametrize("change", ["half_paired", "two_windows", "skill"])
def test_only_plain_vrptw_and_pdptw_qualify(change):
    """Mixed paired/unpaired stops, several windows or skills go to the OR-Tools phase."""
    vans = [van("van-1", capacity={"kg": 10}, skills={"fridge"} if change == "skill" else ())]
    if change == "half_paired":
        stops = [order("p", 1, kind=StopKind.PICKUP), order("d", 2), order("alone", 3)]
        problem = Problem(vehicles=vans, stops=stops, pairs=[Pair("p", "d")])
    elif change == "two_windows":
        stops = [order("a", 1, windows=[TimeWindow(0, 5), TimeWindow(10, 20)])]
        problem = Problem(vehicles=vans, stops=stops)
    else:
        problem = Problem(vehicles=vans, stops=[order("a", 1)])
    assert arrays_of(problem) is None
    assert arrays_of(ring_problem()) is not None


def test_hierarchical_solve_uses_the_minimiser_and_stays_feasible():
    """Solving a plain VRPTW hierarchically ends on the fewest routes, violation-free."""
    problem = ring_problem()
    solution = solve(problem, SolveParams(time_limit=2, objective="hierarchical", workers=1))
    assert solution.vehicles_used == 1
    assert solution.violations == ()
    assert not solution.unassigned


def pair_problem(pairs=5, capacity=100):
    """Pickups east of the depot, each delivered a little further east; loose windows."""
    vans = [van(f"van-{i}", capacity={"kg": capacity}) for i in range(pairs)]
    stops, links = [], []
    for i in range(pairs):
        stops.append(order(f"pick-{i}", 10 + 3 * i, 2, kind=StopKind.PICKUP, demand={"kg": 20}))
        stops.append(order(f"drop-{i}", 12 + 3 * i, -2, demand={"kg": 20}))
        links.append(Pair(f"pick-{i}", f"drop-{i}"))
    return Problem(vehicles=vans, stops=stops, pairs=links)


def test_pairs_collapse_onto_one_route_with_pickups_first():
    """Five single-pair routes merge into one; every pickup precedes its delivery."""
    problem = pair_problem()
    arrays = arrays_of(problem)
    assert arrays is not None and arrays.paired
    singles = [[2 * i + 1, 2 * i + 2] for i in range(5)]
    routes = FleetMinimiser(arrays, seed=3).minimise(singles, time.perf_counter() + 2)
    assert len(routes) == 1
    plan = to_plan(problem, arrays, routes)
    assert evaluate(problem, plan).violations == ()
    order_of = {s: k for k, s in enumerate(plan[problem.vehicles[0].id])}
    assert all(order_of[f"pick-{i}"] < order_of[f"drop-{i}"] for i in range(5))


def test_pair_capacity_is_held_at_every_point():
    """With room for two loads at once, the merged route never carries three."""
    problem = pair_problem(capacity=40)
    arrays = arrays_of(problem)
    singles = [[2 * i + 1, 2 * i + 2] for i in range(5)]
    routes = FleetMinimiser(arrays, seed=4).minimise(singles, time.perf_counter() + 1)
    assert evaluate(problem, to_plan(problem, arrays, routes)).violations == ()
    for route in routes:
        load = 0
        for node in route:
            load += int(arrays.demand[node, 0])
            assert 0 <= load <= 40
