"""Capacity dimensions, so load stays within capacity at every point of a route.

Three cases, chosen per problem:

* deliveries only: count what has been delivered (classic CVRP, start at 0);
* nothing loaded at the start (pickups and paired pickup-and-delivery only): running load,
  + at a pickup, - at a delivery, start at 0;
* mixed (depot deliveries alongside pickups or pairs): the vehicle leaves carrying all its
  depot deliveries, so the start load is tied to the total of a second dimension that counts
  them; the running load then holds exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.routing.stops import StopKind

if TYPE_CHECKING:
    from dispatch.routing.solver.encoding import Encoded


def add_capacity_dimensions(enc: Encoded) -> None:
    problem, routing, scales = enc.problem, enc.routing, enc.scales
    paired = problem.pair_of()
    unpaired_deliveries = any(
        s.kind is StopKind.DELIVERY and s.id not in paired and s.demand for s in problem.stops)
    movers = any(
        (s.kind is StopKind.PICKUP or s.id in paired) and s.demand for s in problem.stops)
    for dim in problem.dimensions:
        signed = [0] * len(problem.locations)
        from_depot = [0] * len(problem.locations)
        for i, stop in enumerate(problem.stops):
            amount = scales.demand_ticks(stop.demand.get(dim, 0.0))
            node = problem.stop_offset + i
            if stop.kind is StopKind.PICKUP:
                signed[node] = amount
            elif stop.id in paired or movers:
                signed[node] = -amount
            else:
                signed[node] = amount  # deliveries only: count delivered load
            if stop.kind is StopKind.DELIVERY and stop.id not in paired:
                from_depot[node] = amount
        total = sum(abs(a) for a in signed) + 1
        caps = [
            scales.capacity_ticks(v.capacity[dim]) if dim in v.capacity else total
            for v in problem.vehicles
        ]
        mixed = unpaired_deliveries and movers
        callback = routing.RegisterUnaryTransitVector(signed)
        routing.AddDimensionWithVehicleCapacity(callback, 0, caps, not mixed, f"load:{dim}")
        if not mixed:
            continue
        load = routing.GetDimensionOrDie(f"load:{dim}")
        depot_cb = routing.RegisterUnaryTransitVector(from_depot)
        routing.AddDimensionWithVehicleCapacity(depot_cb, 0, caps, True, f"depot:{dim}")
        depot = routing.GetDimensionOrDie(f"depot:{dim}")
        solver = routing.solver()
        for v in range(len(problem.vehicles)):
            solver.Add(load.CumulVar(routing.Start(v)) == depot.CumulVar(routing.End(v)))
