"""Generated G&H-style VRPTW instances: determinism, feasibility, layouts and Solomon files."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from dispatch.bench.checker import check_solution
from dispatch.bench.convert import to_problem
from dispatch.bench.generator import (
    InstanceSpec,
    generate,
    write_instance_file,
    write_solomon,
)
from dispatch.bench.instance import BenchInstance
from dispatch.bench.readers import parse_instance, read_instance
from dispatch.routing.solver import SolveParams, solve

CLASSES = [(layout, windows) for layout in ("random", "clustered", "mixed")
           for windows in ("tight", "wide")]


def mean_nearest_neighbour(instance: BenchInstance) -> float:
    xy = np.array([(n.x, n.y) for n in instance.customers])
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return float(gaps.min(axis=1).mean())


def test_same_seed_same_instance_other_seed_other_instance():
    """Generation depends on the seed alone: equal for equal seeds, different otherwise."""
    spec = InstanceSpec(300, "mixed", "tight", seed=7)
    assert generate(spec) == generate(InstanceSpec(300, "mixed", "tight", seed=7))
    other = generate(InstanceSpec(300, "mixed", "tight", seed=8))
    assert other.nodes[1:] != generate(spec).nodes[1:]


@pytest.mark.parametrize(("layout", "windows"), CLASSES)
def test_counts_ids_and_names(layout, windows):
    """Exactly n customers with unique ids 1..n after depot 0, named like Solomon classes."""
    inst = generate(InstanceSpec(250, layout, windows, seed=3))
    assert inst.kind == "vrptw"
    assert len(inst.customers) == 250
    assert [n.id for n in inst.nodes] == list(range(251))
    code = {"random": "r", "clustered": "c", "mixed": "rc"}[layout]
    assert inst.name == f"gen-{code}{1 if windows == 'tight' else 2}-250-s3"
    assert inst.vehicles == math.ceil(250 / 4)
    assert all(10 <= n.demand <= 50 for n in inst.customers)


@pytest.mark.parametrize(("layout", "windows"), CLASSES)
def test_every_customer_is_feasible_on_its_own(layout, windows):
    """From the depot at time 0 a vehicle arrives by the due date and, after service, is
    back by the horizon; windows are ordered and inside [0, horizon]."""
    inst = generate(InstanceSpec(2000, layout, windows, seed=1))
    depot, horizon = inst.depot, inst.depot.due
    assert (depot.ready, depot.demand, depot.service) == (0, 0, 0)
    for n in inst.customers:
        travel = math.hypot(n.x - depot.x, n.y - depot.y)
        assert 0 <= n.ready <= n.due <= horizon
        assert travel <= n.due
        assert max(n.ready, travel) + n.service + travel <= horizon
        assert n.demand <= inst.capacity


def test_tight_windows_are_narrower_than_wide():
    """Class 1 windows are narrower on average than class 2 windows, for every layout."""
    for layout in ("random", "clustered", "mixed"):
        width = {w: np.mean([n.due - n.ready for n in
                             generate(InstanceSpec(500, layout, w)).customers])
                 for w in ("tight", "wide")}
        assert width["tight"] < width["wide"] / 2, layout


def test_clustered_customers_sit_closer_together_than_random():
    """Clusters show up as a much smaller mean nearest-neighbour distance; mixed in between."""
    gap = {layout: mean_nearest_neighbour(generate(InstanceSpec(1000, layout, "tight")))
           for layout in ("random", "clustered", "mixed")}
    assert gap["clustered"] < gap["mixed"] < gap["random"]
    assert gap["clustered"] < 0.6 * gap["random"]


def test_class_defaults_follow_solomon():
    """Capacity 200 / 700 / 1000, service 90 for clustered and 10 otherwise, longer class 2
    days, and a square of side 500 at 1,000 customers like G&H."""
    c1, c2 = generate(InstanceSpec(1000, "clustered", "tight")), generate(
        InstanceSpec(1000, "clustered", "wide"))
    r1, r2 = generate(InstanceSpec(1000, "random", "tight")), generate(
        InstanceSpec(1000, "random", "wide"))
    assert (c1.capacity, c2.capacity, r1.capacity, r2.capacity) == (200, 700, 200, 1000)
    assert {n.service for n in c1.customers} == {90}
    assert {n.service for n in r2.customers} == {10}
    assert c2.depot.due > c1.depot.due and r2.depot.due > r1.depot.due
    assert (r1.depot.x, r1.depot.y) == (250, 250)
    assert max(max(n.x, n.y) for n in r1.customers) <= 500


@pytest.mark.parametrize(("layout", "windows"), CLASSES)
def test_solomon_text_reads_back_equal(layout, windows):
    """parse_instance(write_solomon(inst)) gives back the very same instance."""
    inst = generate(InstanceSpec(150, layout, windows, seed=5))
    assert parse_instance(write_solomon(inst), inst.name) == inst


def test_written_file_reads_back_with_its_name(tmp_path):
    """The file is <name>.txt in a folder made on demand, and read_instance restores it."""
    inst = generate(InstanceSpec(40, "random", "wide", seed=2))
    path = write_instance_file(inst, tmp_path / "scale")
    assert path == tmp_path / "scale" / "gen-r2-40-s2.txt"
    assert read_instance(path) == inst


def test_non_integer_values_round_trip_exactly():
    """Hand-made instances with fractional values survive the Solomon text unchanged."""
    inst = generate(InstanceSpec(10, "random", "tight"))
    node = inst.nodes[3]
    odd = BenchInstance(inst.name, "vrptw", 3, 123.5, (
        *inst.nodes[:3],
        type(node)(3, node.x + 0.1, 1 / 3, 7.25, node.ready, node.due + 0.5, 2.2),
        *inst.nodes[4:]))
    assert parse_instance(write_solomon(odd), odd.name) == odd


def test_generated_100_customers_solve_with_everyone_served():
    """A generated 100-customer instance converts and solves in about 2 s, all customers
    on checked, feasible routes."""
    inst = generate(InstanceSpec(100, "mixed", "tight", seed=0))
    solution = solve(to_problem(inst), SolveParams(time_limit=2.0, objective="hierarchical"))
    assert solution.unassigned == ()
    routes = [[int(stop) for stop in route.stop_ids] for route in solution.routes]
    check = check_solution(inst, routes)
    assert check.feasible, check.errors
    assert sorted(i for route in routes for i in route) == list(range(1, 101))


def test_ten_thousand_customers_generate_quickly():
    """The largest size asked for takes well under two seconds."""
    started = time.perf_counter()
    inst = generate(InstanceSpec(10_000, "mixed", "wide"))
    assert time.perf_counter() - started < 2.0
    assert len(inst.customers) == 10_000 and inst.vehicles == 2500


@pytest.mark.parametrize(("changes", "field"), [
    ({"customers": 9}, "customers"),
    ({"customers": 100.0}, "customers"),
    ({"layout": "grid"}, "layout"),
    ({"windows": "medium"}, "windows"),
    ({"seed": -1}, "seed"),
    ({"side": 0}, "side"),
    ({"clusters": 0}, "clusters"),
    ({"cluster_spread": 0}, "cluster_spread"),
    ({"vehicles": 0}, "vehicles"),
    ({"capacity": 40}, "capacity"),
    ({"service": -5}, "service"),
    ({"horizon": 100}, "horizon"),
    ({"demand": (0, 10)}, "demand"),
    ({"demand": (30, 20)}, "demand"),
])
def test_invalid_specs_name_the_field(changes, field):
    """Each bad knob raises ValueError whose message starts with the knob's name."""
    arguments = {"customers": 100, "layout": "random", "windows": "tight"} | changes
    with pytest.raises(ValueError, match=f"^{field} "):
        InstanceSpec(**arguments)


def test_knobs_override_the_defaults():
    """Explicit side, fleet, capacity, service and horizon are used as given."""
    inst = generate(InstanceSpec(50, "clustered", "wide", side=100, clusters=3, vehicles=7,
                                 capacity=300, service=5, horizon=900, demand=(1, 5)))
    assert (inst.vehicles, inst.capacity, inst.depot.due) == (7, 300, 900)
    assert (inst.depot.x, inst.depot.y) == (50, 50)
    assert {n.service for n in inst.customers} == {5}
    assert all(1 <= n.demand <= 5 and 0 <= n.x <= 100 for n in inst.customers)
