"""An independent feasibility check of benchmark solutions, straight from the file's data.

Deliberately imports nothing from :mod:`dispatch.routing`: a bug shared by the solver and
the checker would otherwise hide itself. Conventions follow the literature: Euclidean
distances in float64, unrounded; travel time equals distance; a vehicle may wait for a
window to open; service must start by the due date; routes leave the depot no earlier than
its ready time and return by its due time.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

from dispatch.bench.instance import BenchInstance, BenchNode

TOLERANCE = 1e-6


@dataclass(frozen=True)
class CheckResult:
    """Verdict on a route set; ``errors`` name the node and the rule that failed."""

    feasible: bool
    vehicles: int
    distance: float
    errors: list[str] = field(default_factory=list)


def check_solution(
    instance: BenchInstance,
    routes: list[list[int]],
    max_vehicles: int | None = None,
) -> CheckResult:
    """Check ``routes`` (file node ids in visiting order, depot left out).

    The fleet size is not enforced by default, because the literature ranks vehicle count
    as an objective; pass ``max_vehicles`` (e.g. ``instance.vehicles``) to enforce it.
    """
    if instance.kind not in ("vrptw", "pdptw"):
        raise ValueError(f"{instance.name}: unknown benchmark kind {instance.kind!r}")
    by_id = {node.id: node for node in instance.nodes}
    depot = instance.depot
    errors: list[str] = []
    visits: dict[int, list[tuple[int, int]]] = {}
    total = 0.0
    used = 0
    for r, route in enumerate(routes):
        path = _known_nodes(r, route, by_id, depot, errors)
        if not route:
            continue
        used += 1
        for position, node in path:
            visits.setdefault(node.id, []).append((r, position))
        total += _simulate(r, [node for _, node in path], instance, errors)
    _check_coverage(instance, visits, errors)
    if instance.kind == "pdptw":
        _check_pairs(instance, visits, errors)
    if max_vehicles is not None and used > max_vehicles:
        errors.append(f"fleet: {used} routes used but only {max_vehicles} vehicles available")
    return CheckResult(not errors, used, total, errors)


def _distance(a: BenchNode, b: BenchNode) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def _known_nodes(
    r: int,
    route: list[int],
    by_id: dict[int, BenchNode],
    depot: BenchNode,
    errors: list[str],
) -> list[tuple[int, BenchNode]]:
    """The route's customers with their positions; unknown ids and the depot are reported."""
    path: list[tuple[int, BenchNode]] = []
    for position, raw in enumerate(route):
        try:
            node_id = operator.index(raw)
        except TypeError:
            errors.append(f"route {r}: entry {raw!r} at position {position} is not a node id")
            continue
        node = by_id.get(node_id)
        if node is None:
            errors.append(f"route {r}: node {node_id} at position {position} is unknown")
        elif node_id == depot.id:
            errors.append(
                f"route {r}: depot node {node_id} at position {position} must not appear "
                "inside a route"
            )
        else:
            path.append((position, node))
    return path


def _simulate(r: int, path: list[BenchNode], instance: BenchInstance, errors: list[str]) -> float:
    """Walk the route depot -> path -> depot checking time and load; return its distance."""
    depot = instance.depot
    capacity = instance.capacity
    distance = 0.0
    time = depot.ready
    load = 0.0
    previous = depot
    for node in path:
        leg = _distance(previous, node)
        distance += leg
        start = max(time + leg, node.ready)
        if start > node.due + TOLERANCE:
            errors.append(
                f"route {r}: node {node.id} service starts at {start:.6f}, after its due time "
                f"{node.due:g} (time window)"
            )
        time = start + node.service
        load += node.demand
        if instance.kind == "pdptw":
            if load > capacity + TOLERANCE:
                errors.append(
                    f"route {r}: load {load:g} after node {node.id} exceeds capacity "
                    f"{capacity:g} (capacity)"
                )
            elif load < -TOLERANCE:
                errors.append(
                    f"route {r}: load {load:g} after node {node.id} is negative, a delivery "
                    "before its pickup (capacity)"
                )
        previous = node
    leg = _distance(previous, depot)
    distance += leg
    back = time + leg
    if back > depot.due + TOLERANCE:
        errors.append(
            f"route {r}: returns to depot node {depot.id} at {back:.6f}, after its due time "
            f"{depot.due:g} (depot time window)"
        )
    if instance.kind == "vrptw" and load > capacity + TOLERANCE:
        last = path[-1].id if path else depot.id
        errors.append(
            f"route {r}: total demand {load:g} exceeds capacity {capacity:g} by node {last} "
            "(capacity)"
        )
    return distance


def _check_coverage(
    instance: BenchInstance, visits: dict[int, list[tuple[int, int]]], errors: list[str]
) -> None:
    """Every customer exactly once."""
    for node in instance.customers:
        seen = visits.get(node.id, [])
        if not seen:
            errors.append(f"node {node.id}: never visited (every customer exactly once)")
        elif len(seen) > 1:
            where = ", ".join(f"route {r} position {p}" for r, p in seen)
            errors.append(
                f"node {node.id}: visited {len(seen)} times ({where}) (every customer exactly once)"
            )


def _check_pairs(
    instance: BenchInstance, visits: dict[int, list[tuple[int, int]]], errors: list[str]
) -> None:
    """Pickup and delivery on the same route, pickup first (first visits when duplicated)."""
    for node in instance.customers:
        if not node.delivery:
            continue
        pickup_at = visits.get(node.id)
        delivery_at = visits.get(node.delivery)
        if not pickup_at or not delivery_at:
            continue  # already reported as never visited
        (pr, pp), (dr, dp) = pickup_at[0], delivery_at[0]
        if pr != dr:
            errors.append(
                f"node {node.id}: pickup on route {pr} but its delivery node {node.delivery} "
                f"on route {dr} (pair on one route)"
            )
        elif dp < pp:
            errors.append(
                f"node {node.delivery}: delivery at position {dp} comes before its pickup "
                f"node {node.id} at position {pp} on route {pr} (pickup before delivery)"
            )
