"""Dense arrays of a plain VRPTW, for the ruin-and-recreate fleet minimiser.

Only problems of the classic shapes qualify: one shared depot, identical vehicles, one window
per stop, every stop required, no skills, breaks, limits or locks, and either deliveries only
(VRPTW) or every stop in a pickup-and-delivery pair (PDPTW). Others use the OR-Tools fleet
phase alone. Times are in the solver's own ticks, so
routes found here are feasible in the OR-Tools model that polishes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solver.scaling import Scales
from dispatch.routing.stops import StopKind


@dataclass(frozen=True)
class FleetArrays:
    """Node 0 is the depot, node i (1..n) is ``stop_ids[i-1]``."""

    stop_ids: tuple[str, ...]
    travel: np.ndarray  # ticks, (n+1, n+1)
    cost: np.ndarray  # distance ticks, (n+1, n+1)
    service: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    demand: np.ndarray  # (n+1, dims); signed for PDPTW: + at a pickup, - at its delivery
    capacity: np.ndarray  # (dims,)
    partner: np.ndarray  # PDPTW: each node's pair partner (0 for VRPTW)
    is_pickup: np.ndarray  # PDPTW: True at the pickup half of a pair

    @property
    def paired(self) -> bool:
        return bool(self.partner.any())

    @property
    def size(self) -> int:
        return len(self.stop_ids)


def _qualifies(problem: Problem) -> bool:
    first = problem.vehicles[0]
    same = all(
        v.start == first.start and v.end_location == first.start and v.shift == first.shift
        and dict(v.capacity) == dict(first.capacity) and v.speed_factor == first.speed_factor
        and not v.breaks and v.max_stops is None and v.max_distance is None
        and v.max_duration is None and v.available_from is None and not v.skills
        for v in problem.vehicles)
    plain_stops = all(
        s.required and len(s.windows) == 1 and not s.skills and not s.soft_close
        and not s.close_margin
        for s in problem.stops)
    paired = problem.pair_of()
    deliveries_only = not paired and all(s.kind is StopKind.DELIVERY for s in problem.stops)
    all_paired = len(paired) == len(problem.stops)
    no_locks = not problem.locks.pinned and not problem.locks.frozen
    return (same and plain_stops and (deliveries_only or all_paired) and no_locks
            and bool(problem.stops))


def fleet_arrays(problem: Problem, matrix: TravelMatrix, scales: Scales) -> FleetArrays | None:
    """The arrays, or None when the problem is not a plain VRPTW."""
    if not _qualifies(problem):
        return None
    vehicle = problem.vehicles[0]
    depot = problem.vehicle_nodes(vehicle.id)[0]
    nodes = [depot] + [problem.stop_node(s.id) for s in problem.stops]
    travel = scales.travel_ticks(matrix, vehicle.speed_factor)[np.ix_(nodes, nodes)]
    cost = scales.distance_ticks(matrix)[np.ix_(nodes, nodes)]
    horizon = scales.ticks_floor(vehicle.shift.end)
    service = [0] + [scales.ticks(s.service_time) for s in problem.stops]
    ready = [scales.ticks(vehicle.departure)] + [scales.ticks(s.windows[0].start)
                                                 for s in problem.stops]
    due = [horizon] + [min(horizon, scales.ticks_floor(s.windows[0].end))
                       if np.isfinite(s.windows[0].end) else horizon for s in problem.stops]
    dims = problem.dimensions
    demand = np.zeros((len(nodes), len(dims)), dtype=np.int64)
    paired = bool(problem.pairs)
    for i, stop in enumerate(problem.stops, start=1):
        sign = -1 if paired and stop.kind is StopKind.DELIVERY else 1
        for d, dim in enumerate(dims):
            demand[i, d] = sign * scales.demand_ticks(stop.demand.get(dim, 0.0))
    partner = np.zeros(len(nodes), dtype=np.int64)
    is_pickup = np.zeros(len(nodes), dtype=bool)
    number = {s.id: i for i, s in enumerate(problem.stops, start=1)}
    for pair in problem.pairs:
        partner[number[pair.pickup]] = number[pair.delivery]
        partner[number[pair.delivery]] = number[pair.pickup]
        is_pickup[number[pair.pickup]] = True
    capacity = np.array([scales.capacity_ticks(vehicle.capacity[d]) for d in dims],
                        dtype=np.int64)
    return FleetArrays(tuple(s.id for s in problem.stops), travel.astype(np.int64),
                       cost.astype(np.int64), np.array(service, dtype=np.int64),
                       np.array(ready, dtype=np.int64), np.array(due, dtype=np.int64),
                       demand, capacity, partner, is_pickup)
