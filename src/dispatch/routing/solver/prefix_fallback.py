"""Re-planning when a frozen prefix cannot be kept within the model's rules.

A dispatched or visited prefix is a fact, not a choice: if it is already late, overloaded or
runs past the shift, the model with the prefix forced in has no solution at all. Then each
such vehicle is restarted where its prefix ends, at the time it ends, the rest is solved
without the frozen stops, and the prefixes are put back in front; plan mode then reports
what the prefixes break instead of losing the whole plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from dispatch.routing.evaluation import evaluate
from dispatch.routing.locations import Location
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Locks, Problem
from dispatch.routing.solution import Solution
from dispatch.routing.stops import StopKind
from dispatch.routing.vehicles import Vehicle

Solver = Callable[[Problem, TravelMatrix], dict[str, list[str]]]


def _after_prefix(problem: Problem, vehicle: Vehicle, timed: Solution) -> Vehicle:
    route = timed.route_of(vehicle.id)
    if route is None:
        return vehicle
    last = route.visits[-1]
    # What the rest of the route loads at the start rides through the whole prefix, on top
    # of the prefix's own load at its fullest: that bounds the capacity left for the rest.
    loads = [route.start_load, *(v.load for v in route.visits)]
    onboard = {dim: max(load.get(dim, 0.0) for load in loads) for dim in vehicle.capacity}
    now = min(max(last.departure, vehicle.departure), vehicle.shift.end)
    used = len(route.visits)
    return replace(
        vehicle, start=problem.stop(last.stop_id).location, end=vehicle.end_location,
        available_from=now,
        capacity={d: max(0.0, c - onboard.get(d, 0.0)) for d, c in vehicle.capacity.items()},
        max_stops=None if vehicle.max_stops is None else max(0, vehicle.max_stops - used),
        max_distance=(None if vehicle.max_distance is None
                      else max(0.0, vehicle.max_distance - last.distance)),
        breaks=tuple(b for b in vehicle.breaks if b.window.end >= now))


def _rows(problem: Problem) -> dict[Location, int]:
    """A matrix row for every place in the original problem."""
    rows: dict[Location, int] = {}
    for vehicle in problem.vehicles:
        start, end = problem.vehicle_nodes(vehicle.id)
        rows.setdefault(vehicle.start, start)
        rows.setdefault(vehicle.end_location, end)
    for stop in problem.stops:
        rows.setdefault(stop.location, problem.stop_node(stop.id))
    return rows


def solve_around_prefixes(problem: Problem, matrix: TravelMatrix,
                          solve_rest: Solver) -> dict[str, list[str]]:
    """The full plan: each frozen prefix followed by the routes solved for the rest."""
    prefixes = {v: list(s) for v, s in problem.locks.frozen.items() if s}
    timed = evaluate(problem, prefixes, matrix)
    frozen = {s for stops in prefixes.values() for s in stops}
    vehicles = tuple(_after_prefix(problem, v, timed) if v.id in prefixes else v
                     for v in problem.vehicles)
    pairs = tuple(p for p in problem.pairs if p.pickup not in frozen and p.delivery not in frozen)
    stops = tuple(
        replace(s, kind=StopKind.DELIVERY) if s.id in problem.pair_of() and
        {problem.pair_of()[s.id].pickup, problem.pair_of()[s.id].delivery} & frozen else s
        for s in problem.stops if s.id not in frozen)
    pinned = {s: v for s, v in problem.locks.pinned.items() if s not in frozen}
    rest = Problem(vehicles=vehicles, stops=stops, pairs=pairs, depots=problem.depots,
                   locks=Locks(pinned=pinned), skills=problem.skills, name=problem.name)
    rows = _rows(problem)
    index = np.array([rows[loc] for loc in rest.locations])
    sub = TravelMatrix(matrix.distance[np.ix_(index, index)],
                       matrix.duration[np.ix_(index, index)])
    plan = solve_rest(replace(rest, matrix=sub), sub)
    for vehicle_id, prefix in prefixes.items():
        plan[vehicle_id] = prefix + plan.get(vehicle_id, [])
    return plan
