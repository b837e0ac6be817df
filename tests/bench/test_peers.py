"""Peer solvers (PyVRP, VROOM) on tiny instances and on C101 / lc101, judged by our checker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dispatch.bench.checker import check_solution
from dispatch.bench.instance import BenchInstance, BenchNode
from dispatch.bench.peers import PEERS, PeerResult, run_peer
from dispatch.bench.readers import read_instance

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
C101 = SHARED / "solomon" / "C101.txt"
LC101 = SHARED / "lilim100" / "lc101.txt"
LIMIT = 1.0  # seconds; PyVRP uses all of it, VROOM usually stops sooner
PACKAGES = {"pyvrp": "pyvrp", "vroom": "vroom"}

TINY_VRPTW = BenchInstance(
    name="tiny-vrptw",
    kind="vrptw",
    vehicles=3,
    capacity=40,
    nodes=(
        BenchNode(0, 0, 0, 0, 0, 100, 0),
        BenchNode(7, 3, 4, 10, 0, 10, 1),
        BenchNode(3, 6, 8, 20, 20, 60, 1),
        BenchNode(5, -8, -6, 25, 0, 100, 0),
    ),
)

# Ids deliberately out of row order, so a peer mapping rows instead of ids shows up.
TINY_PDPTW = BenchInstance(
    name="tiny-pdptw",
    kind="pdptw",
    vehicles=2,
    capacity=10,
    nodes=(
        BenchNode(0, 0, 0, 0, 0, 200, 0),
        BenchNode(4, 3, 4, 5, 0, 50, 1, delivery=9),
        BenchNode(9, 6, 8, -5, 0, 100, 1, pickup=4),
        BenchNode(2, -3, -4, 8, 0, 50, 1, delivery=6),
        BenchNode(6, -6, -8, -8, 0, 100, 1, pickup=2),
    ),
)


def _accepted(instance: BenchInstance, result: PeerResult) -> None:
    assert result.error is None, result.error
    check = check_solution(instance, result.routes)
    assert check.errors == []
    visited = sorted(node_id for route in result.routes for node_id in route)
    assert visited == sorted(node.id for node in instance.customers)


def _pairs_respected(instance: BenchInstance, routes: list[list[int]]) -> None:
    where = {node_id: (r, p) for r, route in enumerate(routes) for p, node_id in enumerate(route)}
    for node in instance.customers:
        if node.delivery:
            (pr, pp), (dr, dp) = where[node.id], where[node.delivery]
            assert pr == dr and pp < dp, f"pair {node.id} -> {node.delivery} broken"


def test_unknown_peer_raises_value_error():
    """A misspelt peer name is a caller bug, so it raises rather than returning an error."""
    with pytest.raises(ValueError, match="unknown peer"):
        run_peer("ortools", TINY_VRPTW, LIMIT)


def test_missing_package_is_reported_not_raised(monkeypatch):
    """Without the optional bench extra the result carries an error instead of raising."""
    monkeypatch.setitem(sys.modules, "vroom", None)  # makes ``import vroom`` fail
    monkeypatch.delitem(sys.modules, "dispatch.bench.peers_vroom", raising=False)
    result = run_peer("vroom", TINY_VRPTW, LIMIT)
    assert result.routes == [] and result.error and "not installed" in result.error


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("instance", [TINY_VRPTW, TINY_PDPTW], ids=lambda i: i.name)
def test_peer_routes_use_file_node_ids_on_tiny_instances(peer, instance):
    """Routes come back as the file's node ids (not row indices), covering every customer."""
    pytest.importorskip(PACKAGES[peer])
    result = run_peer(peer, instance, 0.2)
    _accepted(instance, result)
    if instance.kind == "pdptw":
        _pairs_respected(instance, result.routes)


@pytest.mark.needs_shared
@pytest.mark.skipif(not C101.is_file(), reason=f"shared Solomon data not found at {C101}")
@pytest.mark.parametrize("peer", PEERS)
def test_peer_solves_c101_feasibly(peer):
    """On C101 each peer's routes pass our checker and cover all 100 customers."""
    pytest.importorskip(PACKAGES[peer])
    instance = read_instance(C101)
    result = run_peer(peer, instance, LIMIT)
    _accepted(instance, result)
    assert len(instance.customers) == 100
    assert result.seconds < LIMIT + 5


@pytest.mark.needs_shared
@pytest.mark.skipif(not LC101.is_file(), reason=f"shared Li & Lim data not found at {LC101}")
@pytest.mark.parametrize("peer", PEERS)
def test_peer_solves_lc101_with_pairs_respected(peer):
    """On lc101 each peer keeps every pickup before its delivery on one route."""
    pytest.importorskip(PACKAGES[peer])
    instance = read_instance(LC101)
    result = run_peer(peer, instance, LIMIT)
    _accepted(instance, result)
    _pairs_respected(instance, result.routes)
