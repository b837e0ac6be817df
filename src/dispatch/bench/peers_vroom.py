"""VROOM (via ``pyvroom``) as a benchmark peer: jobs for Solomon, shipments for Li & Lim.

Job and shipment-step ids are the file's node ids, so solution steps map straight back.
VROOM's ``timeout`` caps the search; at exploration level 5 it often finishes sooner, and
the caller reports the seconds actually spent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import vroom

from dispatch.bench.instance import BenchInstance
from dispatch.bench.peers import load_units, scaled, scaled_distances, vehicle_fixed_cost

log = logging.getLogger(__name__)

PROFILE = "car"
EXPLORATION_LEVEL = 5  # VROOM's most thorough search, as recommended for benchmarking

# VROOM minimises cost; the benchmarks rank fewest vehicles first, so (as for PyVRP) each
# used vehicle carries a fixed cost larger than any distance it could save.
USE_FIXED_COST = True


def solve(
    instance: BenchInstance, time_limit: float, workers: int = 1, seed: int = 0
) -> list[list[int]]:
    """Routes VROOM finds within ``time_limit`` seconds, as file node ids.

    VROOM's search is deterministic for a given thread count and has no seed, so ``seed``
    is accepted for a uniform API and ignored.
    """
    problem = _build(instance)
    solution = problem.solve(
        exploration_level=EXPLORATION_LEVEL,
        nb_threads=max(1, workers),
        timeout=timedelta(seconds=time_limit),
    )
    unassigned = list(solution.unassigned)
    if unassigned:
        # Returned anyway: the checker reports the missing nodes.
        log.warning("vroom: %d jobs unassigned on %s", len(unassigned), instance.name)
    steps = solution.routes
    routes: list[list[int]] = []
    for _, steps_of_vehicle in steps.groupby("vehicle_id", sort=True, observed=True):
        visits = steps_of_vehicle[steps_of_vehicle["type"].isin(("job", "pickup", "delivery"))]
        ids = [int(node_id) for node_id in visits["id"]]
        if ids:
            routes.append(ids)
    return routes


def _build(instance: BenchInstance) -> vroom.Input:
    """One vehicle per available vehicle at the depot; matrices in node order."""
    capacity, demand = load_units(instance)
    distances = scaled_distances(instance)
    depot = instance.depot
    problem = vroom.Input()
    problem.set_durations_matrix(PROFILE, distances)
    problem.set_costs_matrix(PROFILE, distances)
    costs = vroom.VehicleCosts(fixed=vehicle_fixed_cost(distances) if USE_FIXED_COST else 0)
    shift = vroom.TimeWindow(scaled(depot.ready), scaled(depot.due))
    problem.add_vehicle(
        [
            vroom.Vehicle(
                v,
                start=0,
                end=0,
                profile=PROFILE,
                capacity=[capacity],
                time_window=shift,
                costs=costs,
            )
            for v in range(instance.vehicles)
        ]
    )
    index = {node.id: i for i, node in enumerate(instance.nodes)}
    for i, node in enumerate(instance.nodes):
        if i == 0:
            continue
        if instance.kind == "vrptw":
            problem.add_job(
                vroom.Job(
                    node.id,
                    location=i,
                    default_service=scaled(node.service),
                    delivery=[demand[i]],
                    time_windows=[vroom.TimeWindow(scaled(node.ready), scaled(node.due))],
                )
            )
        elif node.delivery:  # a Li & Lim pickup; its delivery row is added with it
            j = index[node.delivery]
            drop = instance.nodes[j]
            problem.add_shipment(
                _step(node.id, i, node.service, node.ready, node.due),
                _step(drop.id, j, drop.service, drop.ready, drop.due),
                amount=vroom.Amount([demand[i]]),
            )
    return problem


def _step(node_id: int, location: int, service: float, ready: float, due: float):
    return vroom.ShipmentStep(
        node_id,
        location=location,
        default_service=scaled(service),
        time_windows=[vroom.TimeWindow(scaled(ready), scaled(due))],
    )
