"""Translate a Problem into an OR-Tools RoutingModel: dimensions, windows, pairs, locks."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from ortools.constraint_solver import pywrapcp

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solver.capacity import add_capacity_dimensions
from dispatch.routing.solver.scaling import COST_SCALE, REQUIRED_PENALTY, Scales
from dispatch.routing.stops import Stop

log = logging.getLogger(__name__)


@dataclass
class Encoded:
    """The live OR-Tools objects for one problem, plus the maps back to our ids."""

    problem: Problem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    scales: Scales
    time: pywrapcp.RoutingDimension
    index_of_stop: dict[str, int] = field(default_factory=dict)
    stop_of_index: dict[int, str] = field(default_factory=dict)

    def routes_from(self, assignment) -> dict[str, list[str]]:
        """Vehicle id -> ordered stop ids of a solution (empty routes left out)."""
        plan: dict[str, list[str]] = {}
        for v, vehicle in enumerate(self.problem.vehicles):
            index = assignment.Value(self.routing.NextVar(self.routing.Start(v)))
            stops = []
            while not self.routing.IsEnd(index):
                stops.append(self.stop_of_index[index])
                index = assignment.Value(self.routing.NextVar(index))
            if stops:
                plan[vehicle.id] = stops
        return plan

    def assignment_from(self, plan: dict[str, list[str]]):
        """An OR-Tools assignment for given routes (stops in no route stay unperformed)."""
        routes = [
            [self.index_of_stop[s] for s in plan.get(v.id, [])] for v in self.problem.vehicles
        ]
        return self.routing.ReadAssignmentFromRoutes(routes, True)


def drop_penalty(stop: Stop, objective: str) -> int:
    """Cost of leaving a stop out; required stops cost more than any possible route."""
    if stop.required:
        return REQUIRED_PENALTY * (1 + stop.priority)
    if stop.drop_penalty is not None:
        return int(round(stop.drop_penalty * COST_SCALE))
    return 100 * COST_SCALE * (1 + stop.priority)


def _horizon(problem: Problem, scales: Scales) -> int:
    latest = max(v.shift.end for v in problem.vehicles)
    return scales.ticks_floor(latest)


def encode(problem: Problem, matrix: TravelMatrix, objective: str,
           time_resolution: float | None = None, max_vehicles: int | None = None,
           relaxed_windows: frozenset[str] = frozenset()) -> Encoded:
    """Build the RoutingModel (not yet closed).

    ``max_vehicles`` caps active vehicles (the fleet-minimisation phase); stops in
    ``relaxed_windows`` keep no time window (a frozen prefix that is already late).
    """
    scales = Scales.for_problem(problem, time_resolution)
    starts = [problem.vehicle_nodes(v.id)[0] for v in problem.vehicles]
    ends = [problem.vehicle_nodes(v.id)[1] for v in problem.vehicles]
    manager = pywrapcp.RoutingIndexManager(len(problem.locations), len(problem.vehicles),
                                           starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    enc = Encoded(problem, manager, routing, scales, time=None)  # type: ignore[arg-type]
    for i, stop in enumerate(problem.stops):
        index = manager.NodeToIndex(problem.stop_offset + i)
        enc.index_of_stop[stop.id] = index
        enc.stop_of_index[index] = stop.id

    distance = scales.distance_ticks(matrix)
    _set_arc_costs(enc, distance, objective)
    enc.time = _add_time(enc, matrix, relaxed_windows)
    add_capacity_dimensions(enc)
    # Rounded up, so a route within max_distance in ticks is within it in metres too.
    _add_limits(enc, np.ceil(matrix.distance * scales.distance - 1e-9).astype(np.int64))
    _add_disjunctions_and_skills(enc, objective)
    _add_pairs(enc)
    _add_locks(enc)
    if max_vehicles is not None:
        routing.SetMaximumNumberOfActiveVehicles(max_vehicles)
    return enc


def _set_arc_costs(enc: Encoded, distance: np.ndarray, objective: str) -> None:
    problem, routing = enc.problem, enc.routing
    if objective == "hierarchical":
        callback = routing.RegisterTransitMatrix(distance.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(callback)
        # One vehicle must cost more than any total distance: fewest vehicles first.
        big = int(distance.max(axis=1).sum() + distance.max()) + 1
        routing.SetFixedCostOfAllVehicles(big)
        return
    by_rate: dict[float, int] = {}
    for v, vehicle in enumerate(problem.vehicles):
        rate = vehicle.cost_per_km
        if rate not in by_rate:
            # distance ticks -> currency: metres/1000 * rate, in COST_SCALE units
            per_tick = rate * COST_SCALE / 1000.0 / enc.scales.distance
            by_rate[rate] = routing.RegisterTransitMatrix(
                np.rint(distance * per_tick).astype(np.int64).tolist())
        routing.SetArcCostEvaluatorOfVehicle(by_rate[rate], v)
        routing.SetFixedCostOfVehicle(int(round(vehicle.fixed_cost * COST_SCALE)), v)


def _service_ticks(enc: Encoded) -> list[int]:
    problem = enc.problem
    service = [0] * len(problem.locations)
    for i, stop in enumerate(problem.stops):
        service[problem.stop_offset + i] = enc.scales.ticks(stop.service_time)
    return service


def _add_time(enc: Encoded, matrix: TravelMatrix, relaxed: frozenset[str]):
    problem, routing, scales = enc.problem, enc.routing, enc.scales
    service = np.array(_service_ticks(enc), dtype=np.int64)
    callbacks: dict[float, int] = {}
    per_vehicle, earliest_end = [], []
    reach = np.full(len(problem.locations), np.iinfo(np.int64).max, dtype=np.int64)
    for vehicle in problem.vehicles:
        factor = vehicle.speed_factor
        travel = scales.travel_ticks(matrix, factor)
        if factor not in callbacks:
            callbacks[factor] = routing.RegisterTransitMatrix(
                (travel + service[:, None]).tolist())
        per_vehicle.append(callbacks[factor])
        start, end = problem.vehicle_nodes(vehicle.id)
        earliest_end.append(scales.ticks(vehicle.departure) + int(travel[start, end]))
        np.minimum(reach, scales.ticks(vehicle.departure) + travel[start], out=reach)
    # A pair's delivery is reached via its pickup, and a frozen stop must stay: only the
    # plain stops are judged out of reach before the search.
    judged = {s.id for s in problem.stops} - set(problem.pair_of()) - {
        s for prefix in problem.locks.frozen.values() for s in prefix}
    horizon = max(_horizon(problem, scales), *earliest_end)
    routing.AddDimensionWithVehicleTransits(per_vehicle, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for stop in problem.stops:
        if stop.id in relaxed:
            continue
        cumul = time.CumulVar(enc.index_of_stop[stop.id])
        first = scales.ticks(stop.windows[0].start)
        close = stop.windows[-1].end  # a stop without windows is open until math.inf
        last = horizon if math.isinf(close) else min(horizon, scales.ticks_floor(close))
        # No vehicle can get there before it closes: settle it now, not by a search that
        # has nothing to find and would run to its time limit.
        direct = int(reach[problem.stop_node(stop.id)]) if stop.id in judged else first
        if max(first, direct) > (horizon if stop.soft_close else last):
            # The stop's windows lie past every shift, or out of reach: drop penalty.
            routing.ActiveVar(enc.index_of_stop[stop.id]).SetValue(0)
            continue
        if stop.soft_close:
            # Late is allowed at a price: the close binds only the objective.
            cumul.SetRange(first, horizon)
            per_tick = stop.late_cost_per_hour * COST_SCALE / 3600.0 / scales.time
            time.SetCumulVarSoftUpperBound(enc.index_of_stop[stop.id], max(0, last),
                                           max(1, int(round(per_tick))))
        else:
            cumul.SetRange(first, last)
            if stop.keeps_promise:
                per_tick = stop.promise_cost_per_hour * COST_SCALE / 3600.0 / scales.time
                aim = min(last, max(first, scales.ticks_floor(max(0.0, stop.promised_by))))
                time.SetCumulVarSoftUpperBound(enc.index_of_stop[stop.id], aim,
                                               max(1, int(round(per_tick))))
            elif stop.close_margin and stop.margin_cost_per_hour and not math.isinf(close):
                per_tick = stop.margin_cost_per_hour * COST_SCALE / 3600.0 / scales.time
                aim = max(first, scales.ticks_floor(close - stop.close_margin))
                time.SetCumulVarSoftUpperBound(enc.index_of_stop[stop.id], min(aim, last),
                                               max(1, int(round(per_tick))))
        for before, after in pairwise(stop.windows):
            gap_start = scales.ticks_floor(before.end) + 1
            gap_end = min(horizon, scales.ticks(after.start) - 1)
            if gap_start <= gap_end:
                cumul.RemoveInterval(gap_start, gap_end)
    for v, vehicle in enumerate(problem.vehicles):
        begin = scales.ticks(vehicle.departure)
        end = scales.ticks_floor(vehicle.shift.end)
        if earliest_end[v] > end:
            # Cannot even get back in its shift (a vehicle re-planned late in the day): let
            # its empty route stand, so the model stays solvable, and give it no stops.
            end = earliest_end[v]
            for index in enc.index_of_stop.values():
                routing.VehicleVar(index).RemoveValue(v)
        time.CumulVar(routing.Start(v)).SetRange(begin, end)
        time.CumulVar(routing.End(v)).SetRange(begin, end)
        if vehicle.max_duration is not None:
            time.SetSpanUpperBoundForVehicle(scales.ticks_floor(vehicle.max_duration), v)
        if vehicle.cost_per_hour:
            per_tick = vehicle.cost_per_hour * COST_SCALE / 3600.0 / scales.time
            time.SetSpanCostCoefficientForVehicle(max(1, int(round(per_tick))), v)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        if vehicle.breaks:
            solver = routing.solver()
            intervals = [
                solver.FixedDurationIntervalVar(
                    scales.ticks(b.window.start), scales.ticks_floor(b.window.end),
                    scales.ticks(b.duration), False, f"break-{vehicle.id}-{k}")
                for k, b in enumerate(vehicle.breaks)
            ]
            time.SetBreakIntervalsOfVehicle(intervals, v, [int(s) for s in service])
    return time


def _add_limits(enc: Encoded, distance: np.ndarray) -> None:
    problem, routing = enc.problem, enc.routing
    if any(v.max_stops is not None for v in problem.vehicles):
        counts = [0] * len(problem.locations)
        for i in range(len(problem.stops)):
            counts[problem.stop_offset + i] = 1
        callback = routing.RegisterUnaryTransitVector(counts)
        caps = [len(problem.stops) if v.max_stops is None else v.max_stops
                for v in problem.vehicles]
        routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, "stops")
    if any(v.max_distance is not None for v in problem.vehicles):
        callback = routing.RegisterTransitMatrix(distance.tolist())
        total = int(distance.max(axis=1).sum() + distance.max()) + 1
        caps = [total if v.max_distance is None
                else int(v.max_distance * enc.scales.distance) for v in problem.vehicles]
        routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, "distance")


def allow_vehicles(routing, index: int, vehicles: list[int]) -> None:
    """Restrict a stop to some vehicles (or none: -1 keeps it droppable).

    Done on the vehicle variable's domain because the Python binding of
    ``SetAllowedVehiclesForIndex`` rejects every list in OR-Tools 9.15.
    """
    routing.VehicleVar(index).SetValues([-1, *vehicles])


def _add_disjunctions_and_skills(enc: Encoded, objective: str) -> None:
    problem, routing = enc.problem, enc.routing
    for stop in problem.stops:
        index = enc.index_of_stop[stop.id]
        routing.AddDisjunction([index], drop_penalty(stop, objective))
        if stop.skills:
            allowed = [v for v, veh in enumerate(problem.vehicles) if stop.skills <= veh.skills]
            if allowed:
                allow_vehicles(routing, index, allowed)
            else:
                routing.ActiveVar(index).SetValue(0)


def _add_pairs(enc: Encoded) -> None:
    routing, solver = enc.routing, enc.routing.solver()
    for pair in enc.problem.pairs:
        p, d = enc.index_of_stop[pair.pickup], enc.index_of_stop[pair.delivery]
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(enc.time.CumulVar(p) <= enc.time.CumulVar(d))


def _add_locks(enc: Encoded) -> None:
    problem, routing = enc.problem, enc.routing
    solver = routing.solver()
    vehicle_pos = {v.id: i for i, v in enumerate(problem.vehicles)}
    for stop_id, vehicle_id in problem.locks.pinned.items():
        allow_vehicles(routing, enc.index_of_stop[stop_id], [vehicle_pos[vehicle_id]])
    for vehicle_id, prefix in problem.locks.frozen.items():
        v = vehicle_pos[vehicle_id]
        previous = routing.Start(v)
        for stop_id in prefix:
            index = enc.index_of_stop[stop_id]
            allow_vehicles(routing, index, [v])
            solver.Add(routing.NextVar(previous) == index)
            previous = index
