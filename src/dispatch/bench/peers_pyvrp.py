"""PyVRP as a benchmark peer: the instance rebuilt with ``pyvrp.Model``, solved, mapped back.

PyVRP 0.14 models paired pickup and delivery natively (``Model.add_shipment``: same route,
pickup first, the amount on board in between), so Li & Lim instances are solved too, not
refused. PyVRP is single-threaded; ``workers`` is accepted for a uniform API and ignored.
"""

from __future__ import annotations

import logging

from pyvrp import Model
from pyvrp.stop import MaxRuntime

from dispatch.bench.instance import BenchInstance
from dispatch.bench.peers import load_units, scaled, scaled_distances, vehicle_fixed_cost

log = logging.getLogger(__name__)

# PyVRP's objective is distance (plus fixed costs); the benchmarks rank fewest vehicles
# first. A fixed cost per used vehicle larger than any distance saving makes PyVRP's single
# objective agree with that ranking (see ``vehicle_fixed_cost``). Set False to compare
# pure-distance behaviour.
USE_FIXED_COST = True


def solve(
    instance: BenchInstance, time_limit: float, workers: int = 1, seed: int = 0
) -> list[list[int]]:
    """Best routes PyVRP finds in ``time_limit`` seconds, as file node ids."""
    model, activity_nodes = _build(instance)
    result = model.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    best = result.best
    if not best.is_feasible() or not best.is_complete():
        # Returned anyway: the checker names what is wrong, which is the useful report.
        log.warning("pyvrp: best solution on %s is infeasible or incomplete", instance.name)
    routes: list[list[int]] = []
    for route in best.routes():
        ids = [activity_nodes[(act.type.name, act.idx)] for act in route if not act.is_depot()]
        if ids:
            routes.append(ids)
    return routes


def _build(instance: BenchInstance) -> tuple[Model, dict[tuple[str, int], int]]:
    """The model, and a map from PyVRP's (activity type, index) to the file's node id."""
    capacity, demand = load_units(instance)
    distances = scaled_distances(instance)
    depot_node = instance.depot
    model = Model()
    locations = [model.add_location(node.x, node.y, name=str(node.id)) for node in instance.nodes]
    model.add_depot(locations[0], tw_early=scaled(depot_node.ready), tw_late=scaled(depot_node.due))
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=[capacity],
        fixed_cost=vehicle_fixed_cost(distances) if USE_FIXED_COST else 0,
        tw_early=scaled(depot_node.ready),
        tw_late=scaled(depot_node.due),
    )
    index = {node.id: i for i, node in enumerate(instance.nodes)}
    activity_nodes: dict[tuple[str, int], int] = {}
    for i, node in enumerate(instance.nodes):
        if i == 0:
            continue
        if instance.kind == "vrptw":
            model.add_client(
                locations[i],
                delivery=[demand[i]],
                service_duration=scaled(node.service),
                tw_early=scaled(node.ready),
                tw_late=scaled(node.due),
                name=str(node.id),
            )
            activity_nodes[("CLIENT", len(model.clients) - 1)] = node.id
        elif node.delivery:  # a Li & Lim pickup; its delivery row is added with it
            drop = instance.nodes[index[node.delivery]]
            model.add_shipment(
                locations[i],
                locations[index[drop.id]],
                pickup_tw_early=scaled(node.ready),
                pickup_tw_late=scaled(node.due),
                pickup_service_duration=scaled(node.service),
                delivery_tw_early=scaled(drop.ready),
                delivery_tw_late=scaled(drop.due),
                delivery_service_duration=scaled(drop.service),
                amount=[demand[i]],
                name=f"{node.id}->{drop.id}",
            )
            shipment = len(model.shipments) - 1
            activity_nodes[("PICKUP", shipment)] = node.id
            activity_nodes[("DELIVERY", shipment)] = drop.id
    for a, frm in enumerate(locations):
        for b, to in enumerate(locations):
            if a != b:
                value = int(distances[a, b])
                model.add_edge(frm, to, distance=value, duration=value)
    return model, activity_nodes
