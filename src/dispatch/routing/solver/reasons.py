"""Why a stop was left out: check the binding constraint, from the most to the least basic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from dispatch.routing.evaluation import evaluate
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solution import Solution, Unassigned
from dispatch.routing.stops import Stop
from dispatch.routing.vehicles import Vehicle

NO_SKILL = "no_skill"
TOO_BIG = "demand_exceeds_capacity"
UNREACHABLE = "window_unreachable"
ROUTE_LIMIT = "route_limit"
CAPACITY_EXHAUSTED = "capacity_exhausted"
TIME_EXHAUSTED = "time_exhausted"
NOT_WORTH_IT = "penalty_below_cost"
LOCKED = "locked_vehicle_unable"


def _group(problem: Problem, stop: Stop) -> list[Stop]:
    """The stop with its pair partner, pickup first."""
    pair = problem.pair_of().get(stop.id)
    if pair is None:
        return [stop]
    return [problem.stop(pair.pickup), problem.stop(pair.delivery)]


def _fits(vehicle: Vehicle, stops: Sequence[Stop]) -> bool:
    for dim in {d for s in stops for d in s.demand}:
        cap = vehicle.capacity.get(dim)
        if cap is not None and max(s.demand.get(dim, 0.0) for s in stops) > cap + 1e-9:
            return False
    return True


def _direct_trip(problem: Problem, matrix: TravelMatrix, vehicle: Vehicle,
                 group: Sequence[Stop]) -> set[str]:
    """Violations of a route that serves only this stop (and its partner)."""
    solo = evaluate(problem, {vehicle.id: [s.id for s in group]}, matrix)
    return {v.kind for v in solo.violations}


def explain(problem: Problem, matrix: TravelMatrix, stop: Stop,
            plan: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """The reason code and a sentence for one unserved stop."""
    group = _group(problem, stop)
    needed = frozenset().union(*(s.skills for s in group))
    vehicles = [v for v in problem.vehicles if needed <= v.skills]
    locked = problem.locks.vehicle_of(stop.id)
    if locked is not None:
        vehicles = [v for v in vehicles if v.id == locked]
        if not vehicles:
            return LOCKED, f"locked to vehicle {locked!r}, which lacks skills {sorted(needed)}"
    if not vehicles:
        return NO_SKILL, f"no vehicle has the skills {sorted(needed)}"
    vehicles = [v for v in vehicles if _fits(v, group)]
    if not vehicles:
        return TOO_BIG, "its demand exceeds the capacity of every suitable vehicle"
    direct = {v.id: _direct_trip(problem, matrix, v, group) for v in vehicles}
    if all({"window", "shift", "break"} & kinds for kinds in direct.values()):
        return UNREACHABLE, "no suitable vehicle can reach it within its window and shift"
    if all(kinds for kinds in direct.values()):
        return ROUTE_LIMIT, "a trip to it alone breaks a vehicle's stop, distance or duration limit"
    idle = [v for v in vehicles if not plan.get(v.id) and not direct[v.id]]
    if not stop.required and (idle or _insertable(problem, matrix, vehicles, group, plan)):
        return NOT_WORTH_IT, "serving it costs more than its drop penalty"
    if idle:
        return TIME_EXHAUSTED, "the search ran out of time before placing it"
    demand = {d: max(s.demand.get(d, 0.0) for s in group) for s in group for d in s.demand}
    if demand and all(_no_room(problem, matrix, v, plan.get(v.id, []), demand) for v in vehicles):
        return CAPACITY_EXHAUSTED, "every suitable vehicle is full with other stops"
    return TIME_EXHAUSTED, "every suitable vehicle's time is taken by other stops"


def _insertable(problem: Problem, matrix: TravelMatrix, vehicles: Sequence[Vehicle],
                group: Sequence[Stop], plan: Mapping[str, Sequence[str]]) -> bool:
    """Whether some route could take the stop (with its partner right after) unchanged."""
    ids = [s.id for s in group]
    for vehicle in vehicles:
        route = list(plan.get(vehicle.id, []))
        for at in range(min(len(route), 60) + 1):
            trial = route[:at] + ids + route[at:]
            if not evaluate(problem, {vehicle.id: trial}, matrix).violations:
                return True
    return False


def _no_room(problem: Problem, matrix: TravelMatrix, vehicle: Vehicle,
             route: Sequence[str], demand: Mapping[str, float]) -> bool:
    if not route:
        return False
    timed = evaluate(problem, {vehicle.id: list(route)}, matrix).routes[0]
    loads = [timed.start_load] + [v.load for v in timed.visits]
    for dim, amount in demand.items():
        cap = vehicle.capacity.get(dim)
        if cap is not None and max(load.get(dim, 0.0) for load in loads) + amount > cap + 1e-9:
            return True
    return False


def explain_unassigned(problem: Problem, matrix: TravelMatrix, solution: Solution) -> Solution:
    """Replace the evaluator's 'not planned' entries with the binding reasons."""
    plan = {r.vehicle_id: list(r.stop_ids) for r in solution.routes}
    reasons = []
    for item in solution.unassigned:
        code, detail = explain(problem, matrix, problem.stop(item.stop_id), plan)
        reasons.append(Unassigned(item.stop_id, code, detail))
    return replace(solution, unassigned=tuple(reasons))
