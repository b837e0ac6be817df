"""Conversion of benchmark instances into routing problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.bench.checker import check_solution
from dispatch.bench.convert import to_problem
from dispatch.bench.instance import BenchInstance, BenchNode
from dispatch.bench.readers import find_instances, read_instance
from dispatch.routing.evaluation import evaluate
from dispatch.routing.locations import PlanarPoint
from dispatch.routing.stops import StopKind
from dispatch.routing.windows import TimeWindow

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"

shared = pytest.mark.skipif(
    not (SHARED / "solomon").is_dir() or not (SHARED / "lilim100").is_dir(),
    reason=f"shared benchmark data not found at {SHARED} (../shared/benchmarks)",
)

TINY_PDPTW = BenchInstance(
    name="tiny-pdptw",
    kind="pdptw",
    vehicles=2,
    capacity=10,
    nodes=(
        BenchNode(0, 0, 0, 0, 0, 100, 0),
        BenchNode(1, 3, 4, 5, 0, 100, 2, pickup=0, delivery=2),
        BenchNode(2, 6, 8, -5, 20, 30, 2, pickup=1, delivery=0),
        BenchNode(3, -3, -4, 8, 0, 100, 0, pickup=0, delivery=4),
        BenchNode(4, -6, -8, -8, 0, 100, 0, pickup=3, delivery=0),
    ),
)


@pytest.mark.needs_shared
@shared
def test_c101_problem_shape():
    """C101 becomes 25 depot-based vehicles of capacity 200, 100 delivery stops, no pairs."""
    inst = read_instance(SHARED / "solomon" / "C101.txt")
    problem = to_problem(inst)
    assert len(problem.vehicles) == 25
    assert [v.id for v in problem.vehicles] == [f"v{i}" for i in range(25)]
    assert len(problem.stops) == 100
    assert problem.pairs == ()
    assert problem.matrix is None and not problem.is_geographic
    vehicle = problem.vehicles[0]
    assert vehicle.start == PlanarPoint(40, 50) and vehicle.end_location == vehicle.start
    assert vehicle.shift == TimeWindow(0, 1236)
    assert dict(vehicle.capacity) == {"load": 200} and vehicle.fixed_cost == 0
    stop = problem.stop("1")
    assert stop.kind is StopKind.DELIVERY
    assert stop.location == PlanarPoint(45, 68)
    assert stop.windows == (TimeWindow(912, 967),)
    assert stop.service_time == 90 and dict(stop.demand) == {"load": 10}
    assert {s.id for s in problem.stops} == {str(i) for i in range(1, 101)}


@pytest.mark.needs_shared
@shared
def test_lc101_pairs_have_right_kinds():
    """lc101's pairs join a PICKUP stop to a DELIVERY stop carrying the same positive load."""
    inst = read_instance(SHARED / "lilim100" / "lc101.txt")
    problem = to_problem(inst)
    assert len(problem.vehicles) == inst.vehicles
    assert len(problem.stops) == len(inst.customers)
    assert len(problem.pairs) == len(inst.customers) // 2
    paired = set()
    for pair in problem.pairs:
        pickup, delivery = problem.stop(pair.pickup), problem.stop(pair.delivery)
        assert pickup.kind is StopKind.PICKUP and delivery.kind is StopKind.DELIVERY
        assert dict(pickup.demand) == dict(delivery.demand)
        assert pickup.demand["load"] > 0
        paired |= {pair.pickup, pair.delivery}
    assert paired == {s.id for s in problem.stops}
    by_id = {n.id: n for n in inst.nodes}
    assert all(by_id[int(p.pickup)].delivery == int(p.delivery) for p in problem.pairs)


@pytest.mark.needs_shared
@shared
def test_every_shared_instance_converts():
    """All 112 shared instances construct a Problem without error."""
    files = find_instances([SHARED / "solomon", SHARED / "lilim100"])
    assert len(files) == 112
    for path in files:
        inst = read_instance(path)
        assert len(to_problem(inst).stops) == len(inst.customers), path


def test_unknown_kind_is_refused():
    """An instance of an unknown kind is refused rather than guessed."""
    bad = BenchInstance("odd", "cvrp", 1, 10, TINY_PDPTW.nodes[:1])
    with pytest.raises(ValueError, match="unknown benchmark kind"):
        to_problem(bad)


@pytest.mark.parametrize(
    "routes",
    [[[1, 2], [3, 4]], [[3, 4, 1, 2]], [[1, 3, 2, 4]], [[2, 1], [3, 4]], [[3, 4], [1, 2]]],
)
def test_routing_evaluation_agrees_with_checker(routes):
    """Converted problem timed by dispatch.routing gives the checker's verdict and distance."""
    problem = to_problem(TINY_PDPTW)
    plan = {f"v{i}": [str(n) for n in route] for i, route in enumerate(routes)}
    solution = evaluate(problem, plan)
    check = check_solution(TINY_PDPTW, routes)
    assert solution.feasible == check.feasible, (solution.violations, check.errors)
    assert solution.distance == pytest.approx(check.distance, rel=1e-12)


@pytest.mark.needs_shared
@shared
def test_routing_evaluation_agrees_with_checker_on_c101():
    """On C101, 25 single-customer routes measure the same in dispatch.routing and the checker."""
    inst = read_instance(SHARED / "solomon" / "C101.txt")
    routes = [[n.id] for n in inst.customers[:25]]
    solution = evaluate(to_problem(inst), {f"v{i}": [str(r[0])] for i, r in enumerate(routes)})
    check = check_solution(inst, routes)
    assert solution.feasible
    assert check.vehicles == solution.vehicles_used == 25
    assert solution.distance == pytest.approx(check.distance, rel=1e-12)
