"""Turn a benchmark instance into the routing :class:`~dispatch.routing.problem.Problem`.

Stop ids are the file's node numbers as strings, so a solver's routes map straight back to
the file (and to :func:`dispatch.bench.checker.check_solution`). No matrix is passed: the
solver's default Euclidean matrix on planar points is the literature's distance.
"""

from __future__ import annotations

from dispatch.bench.instance import BenchInstance, BenchNode
from dispatch.routing.locations import PlanarPoint
from dispatch.routing.problem import Depot, Problem
from dispatch.routing.stops import Pair, Stop, StopKind
from dispatch.routing.vehicles import Vehicle
from dispatch.routing.windows import TimeWindow

LOAD = "load"


def to_problem(instance: BenchInstance) -> Problem:
    """One vehicle per available vehicle, one stop per customer, one pair per PDPTW pair.

    A window means "service starts by the due date" (our TimeWindow semantics) and the
    depot's window becomes every vehicle's shift, so routes return by the depot due time.
    """
    if instance.kind not in ("vrptw", "pdptw"):
        raise ValueError(f"{instance.name}: unknown benchmark kind {instance.kind!r}")
    depot = instance.depot
    home = _point(depot)
    shift = TimeWindow(depot.ready, depot.due)
    vehicles = tuple(
        Vehicle(
            id=f"v{i}",
            start=home,
            shift=shift,
            capacity={LOAD: instance.capacity},
            fixed_cost=0.0,
        )
        for i in range(instance.vehicles)
    )
    stops = tuple(_stop(node, instance.kind) for node in instance.customers)
    pairs: tuple[Pair, ...] = ()
    if instance.kind == "pdptw":
        pairs = tuple(
            Pair(str(node.id), str(node.delivery)) for node in instance.customers if node.delivery
        )
    return Problem(
        vehicles=vehicles,
        stops=stops,
        pairs=pairs,
        depots=(Depot(str(depot.id), home),),
        name=instance.name,
    )


def _point(node: BenchNode) -> PlanarPoint:
    return PlanarPoint(node.x, node.y)


def _stop(node: BenchNode, kind: str) -> Stop:
    stop_kind = StopKind.DELIVERY
    if kind == "pdptw" and node.delivery:
        stop_kind = StopKind.PICKUP
    return Stop(
        id=str(node.id),
        location=_point(node),
        kind=stop_kind,
        windows=(TimeWindow(node.ready, node.due),),
        service_time=node.service,
        demand={LOAD: abs(node.demand)},
    )
