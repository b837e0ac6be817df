"""Small builders and checks shared by the solver tests.

Planar problems use the Euclidean matrix at speed 1, so a distance of 100 is also 100 s of
driving; that keeps the expected timings easy to work out by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from dispatch.routing import (
    PlanarPoint,
    Problem,
    Solution,
    SolveParams,
    Stop,
    TimeWindow,
    Vehicle,
    evaluate,
    solve,
)
from dispatch.routing.solver import reasons
from dispatch.routing.stops import StopKind

DEPOT = PlanarPoint(0, 0)
SHIFT = TimeWindow(0, 10_000)

# Deterministic and quick: one worker, a bounded number of improving solutions.
FAST = SolveParams(time_limit=2, solution_limit=100, workers=1)

REASON_CODES = {
    reasons.NO_SKILL, reasons.TOO_BIG, reasons.UNREACHABLE, reasons.ROUTE_LIMIT,
    reasons.CAPACITY_EXHAUSTED, reasons.TIME_EXHAUSTED, reasons.NOT_WORTH_IT, reasons.LOCKED,
}


def at(x: float, y: float = 0.0) -> PlanarPoint:
    return PlanarPoint(x, y)


def van(vehicle_id: str = "van-1", start: PlanarPoint = DEPOT, **kw) -> Vehicle:
    kw.setdefault("shift", SHIFT)
    return Vehicle(vehicle_id, start, **kw)


def order(stop_id: str, x: float, y: float = 0.0, **kw) -> Stop:
    return Stop(stop_id, at(x, y), **kw)


def plan_of(solution: Solution) -> dict[str, list[str]]:
    """The solver's routes as vehicle id -> ordered stop ids."""
    return {r.vehicle_id: list(r.stop_ids) for r in solution.routes}


def solve_checked(problem: Problem, params: SolveParams = FAST) -> Solution:
    """Solve, then re-time the routes in plan mode and require that nothing is violated."""
    solution = solve(problem, params)
    replay = evaluate(problem, plan_of(solution))
    assert replay.violations == (), replay.violations
    assert solution.violations == (), solution.violations
    served = [s for r in solution.routes for s in r.stop_ids]
    assert len(served) == len(set(served)), "a stop is served twice"
    missing = {s.id for s in problem.stops} - set(served)
    assert {u.stop_id for u in solution.unassigned} == missing
    return solution


def all_served(problem: Problem, solution: Solution) -> bool:
    served = {s for r in solution.routes for s in r.stop_ids}
    return served == {s.id for s in problem.stops} and not solution.unassigned


def reason_of(solution: Solution, stop_id: str) -> str:
    found = [u.reason for u in solution.unassigned if u.stop_id == stop_id]
    assert found, f"{stop_id} is not unassigned"
    return found[0]


def loads_along(problem: Problem, stop_ids: Sequence[str]) -> list[dict[str, float]]:
    """Load on board when leaving the start and after each stop, worked out independently:
    unpaired deliveries are loaded at the start, pickups add, deliveries remove."""
    paired = {s for p in problem.pairs for s in (p.pickup, p.delivery)}
    load = dict.fromkeys(problem.dimensions, 0.0)
    for stop_id in stop_ids:
        stop = problem.stop(stop_id)
        if stop.kind is StopKind.DELIVERY and stop_id not in paired:
            for dim, amount in stop.demand.items():
                load[dim] += amount
    points = [dict(load)]
    for stop_id in stop_ids:
        stop = problem.stop(stop_id)
        sign = 1.0 if stop.kind is StopKind.PICKUP else -1.0
        for dim, amount in stop.demand.items():
            load[dim] += sign * amount
        points.append(dict(load))
    return points


def within_capacity(vehicle: Vehicle, loads: Sequence[Mapping[str, float]]) -> bool:
    return all(
        -1e-9 <= point.get(dim, 0.0) <= cap + 1e-9
        for point in loads for dim, cap in vehicle.capacity.items()
    )


def dist(a: PlanarPoint, b: PlanarPoint) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)
