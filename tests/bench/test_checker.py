"""The independent feasibility checker on hand-made instances and on C101 / lc101."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dispatch.bench.checker import check_solution
from dispatch.bench.instance import BenchInstance, BenchNode
from dispatch.bench.readers import read_instance

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"

# Depot at the origin; 1 -> 2 is a 3-4-5 step, 3 sits 10 away: route [1, 2] is 5 + 5 + 10.
VRPTW = BenchInstance(
    name="tiny-vrptw",
    kind="vrptw",
    vehicles=3,
    capacity=40,
    nodes=(
        BenchNode(0, 0, 0, 0, 0, 100, 0),
        BenchNode(1, 3, 4, 10, 0, 10, 1),
        BenchNode(2, 6, 8, 20, 20, 60, 1),
        BenchNode(3, -8, -6, 25, 0, 100, 0),
    ),
)

# Two pairs: 1 -> 2 (5 units) north-east, 3 -> 4 (8 units) south-west, capacity 10.
PDPTW = BenchInstance(
    name="tiny-pdptw",
    kind="pdptw",
    vehicles=2,
    capacity=10,
    nodes=(
        BenchNode(0, 0, 0, 0, 0, 100, 0),
        BenchNode(1, 3, 4, 5, 0, 100, 0, pickup=0, delivery=2),
        BenchNode(2, 6, 8, -5, 0, 100, 0, pickup=1, delivery=0),
        BenchNode(3, -3, -4, 8, 0, 100, 0, pickup=0, delivery=4),
        BenchNode(4, -6, -8, -8, 0, 100, 0, pickup=3, delivery=0),
    ),
)


def has_error(result, *words):
    """True when one error message contains all ``words``."""
    return any(all(w in e for w in words) for e in result.errors)


def test_feasible_vrptw_routes_pass_with_hand_computed_distance():
    """[[1, 2], [3]] is feasible (waits at 2) and measures (5+5+10) + (10+10) = 40."""
    result = check_solution(VRPTW, [[1, 2], [3]])
    assert result.errors == []
    assert result.feasible
    assert result.vehicles == 2
    assert result.distance == pytest.approx(40.0, abs=1e-12)


def test_empty_routes_are_not_counted_as_vehicles():
    """Empty routes are allowed and do not count towards the vehicles used."""
    result = check_solution(VRPTW, [[], [1, 2], [], [3]])
    assert result.feasible and result.vehicles == 2


def test_late_arrival_is_reported():
    """Visiting 2 before 1 reaches 1 at 26, after its due time 10."""
    result = check_solution(VRPTW, [[2, 1], [3]])
    assert not result.feasible
    assert has_error(result, "node 1", "due time", "time window")
    assert len(result.errors) == 1


def test_late_return_to_depot_is_reported():
    """With the depot closing at 25, route [1, 2] returning at 31 is infeasible."""
    depot = dataclasses.replace(VRPTW.depot, due=25)
    early_close = dataclasses.replace(VRPTW, nodes=(depot,) + VRPTW.customers)
    result = check_solution(early_close, [[1, 2], [3]])
    assert not result.feasible
    assert has_error(result, "depot node 0", "31.000000", "depot time window")


def test_capacity_is_reported():
    """One route with all three customers carries 55 > 40."""
    result = check_solution(VRPTW, [[1, 2, 3]])
    assert not result.feasible
    assert has_error(result, "total demand 55", "capacity 40", "node 3")
    assert len(result.errors) == 1


def test_missing_customer_is_reported():
    """Leaving out customer 3 is reported as never visited."""
    result = check_solution(VRPTW, [[1, 2]])
    assert not result.feasible
    assert has_error(result, "node 3", "never visited")


def test_duplicate_customer_is_reported():
    """Serving customer 2 on two routes is reported with both places."""
    result = check_solution(VRPTW, [[1, 2], [3], [2]])
    assert not result.feasible
    assert has_error(result, "node 2", "visited 2 times", "route 0 position 1", "route 2")


def test_unknown_node_is_reported():
    """A node id that is not in the instance is reported as unknown."""
    result = check_solution(VRPTW, [[1, 2], [3, 9]])
    assert not result.feasible
    assert has_error(result, "node 9", "unknown")


def test_depot_inside_route_is_reported():
    """The depot id inside a route is an error (routes leave the depot out)."""
    result = check_solution(VRPTW, [[1, 0, 2], [3]])
    assert not result.feasible
    assert has_error(result, "depot node 0", "inside a route")


def test_fleet_limit_is_only_checked_on_request():
    """Using more routes than vehicles is flagged only when max_vehicles is given."""
    routes = [[1], [2], [3]]
    assert check_solution(VRPTW, routes).feasible
    limited = check_solution(VRPTW, routes, max_vehicles=2)
    assert not limited.feasible and has_error(limited, "3 routes", "2 vehicles")


def test_feasible_pdptw_routes_pass_with_hand_computed_distance():
    """Each pair on its own route (pickup first) is feasible and measures 20 + 20."""
    result = check_solution(PDPTW, [[1, 2], [3, 4]])
    assert result.errors == []
    assert result.feasible and result.vehicles == 2
    assert result.distance == pytest.approx(40.0, abs=1e-12)


def test_pair_order_is_reported():
    """A delivery before its pickup on the same route is reported."""
    result = check_solution(PDPTW, [[2, 1], [3, 4]])
    assert not result.feasible
    assert has_error(result, "node 2", "before its pickup node 1", "pickup before delivery")


def test_pair_split_is_reported():
    """A pickup and its delivery on different routes is reported."""
    result = check_solution(PDPTW, [[1], [2], [3, 4]])
    assert not result.feasible
    assert has_error(result, "node 1", "delivery node 2", "pair on one route")


def test_running_load_capacity_is_reported():
    """Holding both pairs' loads at once (5 + 8 = 13) exceeds capacity 10 after node 3."""
    result = check_solution(PDPTW, [[1, 3, 2, 4]])
    assert not result.feasible
    assert has_error(result, "load 13", "node 3", "capacity 10")
    assert len(result.errors) == 1


def test_checker_does_not_import_routing():
    """The checker stays independent: importing it loads nothing from dispatch.routing."""
    code = (
        "import sys, dispatch.bench.checker\n"
        "bad = [m for m in sys.modules if m.startswith('dispatch.routing')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _round_trips(inst: BenchInstance, routes: list[list[int]]) -> float:
    """Distance of depot-to-depot routes computed with numpy, independently of the checker."""
    xy = np.array([[n.x, n.y] for n in inst.nodes], dtype=np.float64)
    index = {n.id: i for i, n in enumerate(inst.nodes)}
    total = 0.0
    for route in routes:
        rows = [0] + [index[i] for i in route] + [0]
        total += float(np.sqrt((np.diff(xy[rows], axis=0) ** 2).sum(axis=1)).sum())
    return total


@pytest.mark.needs_shared
@pytest.mark.skipif(
    not (SHARED / "solomon" / "C101.txt").is_file(),
    reason=f"shared Solomon data not found at {SHARED / 'solomon'}",
)
def test_one_route_per_customer_is_feasible_on_c101():
    """On C101 every customer is reachable directly; distance is the sum of 2 * dist(depot, i)."""
    inst = read_instance(SHARED / "solomon" / "C101.txt")
    routes = [[n.id] for n in inst.customers]
    result = check_solution(inst, routes)
    assert result.errors == []
    assert result.feasible and result.vehicles == 100
    xy = np.array([[n.x, n.y] for n in inst.nodes], dtype=np.float64)
    expected = float((2 * np.linalg.norm(xy[1:] - xy[0], axis=1)).sum())
    assert result.distance == pytest.approx(expected, rel=1e-12)
    assert not check_solution(inst, routes, max_vehicles=inst.vehicles).feasible


@pytest.mark.needs_shared
@pytest.mark.skipif(
    not (SHARED / "lilim100" / "lc101.txt").is_file(),
    reason=f"shared Li & Lim data not found at {SHARED / 'lilim100'}",
)
def test_one_route_per_pair_is_feasible_on_lc101():
    """On lc101 every pair served alone (pickup then delivery) is feasible, distance matches."""
    inst = read_instance(SHARED / "lilim100" / "lc101.txt")
    routes = [[n.id, n.delivery] for n in inst.customers if n.delivery]
    result = check_solution(inst, routes)
    assert result.errors == []
    assert result.feasible and result.vehicles == len(inst.customers) // 2
    assert result.distance == pytest.approx(_round_trips(inst, routes), rel=1e-12)
    assert math.isfinite(result.distance)
