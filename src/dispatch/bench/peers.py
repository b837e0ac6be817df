"""Run peer solvers (PyVRP, VROOM) on benchmark instances, for side-by-side reports.

Each peer lives in its own module (``peers_pyvrp``, ``peers_vroom``) that imports its package
at the top; this registry imports them lazily, so a missing optional ``bench`` extra turns
into a :class:`PeerResult` with ``error`` set rather than an exception. Peers return routes
as the instance's own node ids; the caller judges them with the independent checker.

Scaling (shared by both peers): both solvers need integer data, so every time and distance
is multiplied by :data:`SCALE` and rounded to the nearest integer, travel time being the
same scaled Euclidean distance. Nothing is rounded in the peer's favour or against it:
feasibility is decided by :func:`dispatch.bench.checker.check_solution` on the unrounded
distances, so a peer that exploits a rounding gap is reported infeasible, honestly.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass

import numpy as np

from dispatch.bench.instance import BenchInstance

log = logging.getLogger(__name__)

PEERS = ("pyvrp", "vroom")

# x1000 keeps the per-leg rounding error below 5e-4, so a route that fits a window in the
# peer's integer world misses it in the real one only when it is within ~0.01 of the due
# time. Largest values stay far below both solvers' limits (VROOM: uint32; PyVRP: 2**44):
# the widest benchmark horizon (3390) becomes 3.39e6.
SCALE = 1000

_MODULES = {"pyvrp": "dispatch.bench.peers_pyvrp", "vroom": "dispatch.bench.peers_vroom"}
_PACKAGES = {"pyvrp": "pyvrp", "vroom": "vroom"}


@dataclass(frozen=True)
class PeerResult:
    """One peer's routes (file node ids, depot left out) and wall time, or why it has none."""

    solver: str
    routes: list[list[int]]
    seconds: float
    error: str | None = None


def run_peer(
    name: str,
    instance: BenchInstance,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
) -> PeerResult:
    """Solve ``instance`` with peer ``name`` under ``time_limit`` seconds.

    ``seconds`` is the wall time of model building plus solving, as our own runner measures
    it. A solver failure is returned as ``error`` so one bad instance does not stop a
    benchmark run; an unknown ``name`` is a caller bug and raises ``ValueError``.
    """
    if name not in PEERS:
        raise ValueError(f"unknown peer solver {name!r}; expected one of {', '.join(PEERS)}")
    if time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    try:
        module = importlib.import_module(_MODULES[name])
    except ImportError as exc:
        if exc.name is None or exc.name.split(".")[0] != _PACKAGES[name]:
            raise  # our own module is broken, not the optional package missing
        log.warning("peer %s unavailable: %s", name, exc)
        return PeerResult(
            name, [], 0.0, f"{name}: not installed or not importable ({exc}); see the bench extra"
        )
    if instance.kind not in ("vrptw", "pdptw"):  # both peers take both benchmark kinds
        return PeerResult(name, [], 0.0, f"{name}: unknown benchmark kind {instance.kind!r}")
    started = time.perf_counter()
    try:
        routes = module.solve(instance, time_limit, workers=workers, seed=seed)
    except Exception as exc:  # reported per instance; the traceback goes to the log
        seconds = time.perf_counter() - started
        log.exception("peer %s failed on %s", name, instance.name)
        return PeerResult(name, [], seconds, f"{name}: {type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    log.debug("peer %s solved %s in %.2fs: %d routes", name, instance.name, seconds, len(routes))
    return PeerResult(name, routes, seconds)


# -- shared helpers for the peer modules -------------------------------------------------
def scaled(value: float) -> int:
    """A time, distance or demand in the peers' integer units (nearest, see ``SCALE``)."""
    return int(round(value * SCALE))


def scaled_distances(instance: BenchInstance) -> np.ndarray:
    """Euclidean distances between all nodes, in node order, scaled and rounded to nearest."""
    xy = np.array([(node.x, node.y) for node in instance.nodes], dtype=np.float64)
    distance = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return np.rint(distance * SCALE).astype(np.int64)


def load_units(instance: BenchInstance) -> tuple[int, list[int]]:
    """Capacity and per-node demand as integers; refuse fractional loads rather than round.

    Loads are not scaled: every benchmark uses integer demands, and a rounded load could
    make a peer overfill a vehicle without the checker being the one to notice why.
    """
    values = [instance.capacity, *(node.demand for node in instance.nodes)]
    if any(not float(v).is_integer() for v in values):
        raise ValueError(f"{instance.name}: peers need integer capacity and demands")
    return int(instance.capacity), [int(node.demand) for node in instance.nodes]


def vehicle_fixed_cost(distances: np.ndarray) -> int:
    """A per-vehicle cost that outweighs any distance one more vehicle could save.

    Both peers minimise a single cost, while the benchmarks rank fewest vehicles first.
    One more route can save at most the longest route's length, and no route is longer
    than a full tour of all nodes, bounded by ``n * max_edge``. Capped for VROOM's uint32.
    """
    bound = int(distances.max()) * len(distances)
    return min(bound, 2**31 - 1)
