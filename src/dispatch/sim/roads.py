"""A simulated day on an OpenStreetMap road network: the planner times legs with the
same road matrix ``dispatch solve --osm`` uses, and drivers drive the fastest road path
between stops, pinging along it.

The graph is read once per process and file (and cached on disk between runs by
``road_graph``), so a day, or two days compared, share one graph.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

from dispatch.routing import GeoPoint
from dispatch.routing.matrices.road import RoadMatrix, RoadNetwork
from dispatch.routing.matrices.road_graph import rowwise_metres
from dispatch.sim.legs import LatLon, Leg


@lru_cache(maxsize=4)
def _network(path: str, size: int, mtime_ns: int) -> RoadNetwork:
    return RoadNetwork.from_osm(path)


def load_network(path: str | os.PathLike[str]) -> RoadNetwork:
    """The road graph of the extract at ``path``, read once per process while unchanged."""
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise ValueError(f"OSM file not found: {source}")
    stat = source.stat()
    return _network(str(source), stat.st_size, stat.st_mtime_ns)


class RoadLegs:
    """Legs on the road graph, timed exactly as :class:`RoadMatrix` times them.

    A leg walks from the start to its nearest road node at the matrix's access speed,
    follows the fastest road path, and walks to the end; both ends on one node is a
    direct walk. Its duration is therefore the matrix's duration for the pair, and its
    length that of the path driven (the matrix's distance is the shortest path, which
    may be a slower one).
    """

    def __init__(self, matrix: RoadMatrix) -> None:
        self.matrix = matrix
        self.network = matrix.network
        self._time = self.network.csr("time")
        self._length = self.network.csr("length")
        self._access_ms = matrix.access_kmh / 3.6

    def leg(self, here: LatLon, there: LatLon) -> Leg:
        ends = [GeoPoint(*here), GeoPoint(*there)]
        (a, b), (snap_a, snap_b) = self.network.snap(ends, self.matrix.max_snap_metres)
        if a == b:
            direct = float(rowwise_metres(np.array([here]), np.array([there]))[0])
            seconds = direct / self._access_ms
            return Leg(direct, seconds, (here, there), (0.0, seconds))
        fastest, previous = dijkstra(self._time, directed=True, indices=int(a),
                                     return_predecessors=True)
        nodes = _path(previous, int(a), int(b))
        tails, heads = nodes[:-1], nodes[1:]
        edge_s = np.asarray(self._time[tails, heads]).ravel()
        edge_m = np.asarray(self._length[tails, heads]).ravel()
        seconds = float((snap_a + snap_b) / self._access_ms + fastest[b])
        walk_a, walk_b = snap_a / self._access_ms, snap_b / self._access_ms
        times = np.concatenate([[0.0], walk_a + np.r_[0.0, np.cumsum(edge_s)],
                                [walk_a + edge_s.sum() + walk_b]])
        times *= seconds / times[-1]  # the float sums may differ in the last digit
        coords = self.network.coords[nodes]
        path = (here, *((float(lat), float(lon)) for lat, lon in coords), there)
        return Leg(float(snap_a + edge_m.sum() + snap_b), seconds, path,
                   tuple(float(t) for t in times))


def _path(previous: np.ndarray, source: int, target: int) -> np.ndarray:
    """Nodes from ``source`` to ``target`` read back from Dijkstra's predecessors."""
    nodes = [target]
    while nodes[-1] != source:
        before = int(previous[nodes[-1]])
        if before < 0:  # cannot happen on a strongly connected graph
            raise RuntimeError(f"road node {target} cannot be reached from {source}")
        nodes.append(before)
    return np.array(nodes[::-1], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class RoadTravel:
    """One road network for a day: the planner's matrix and the drivers' legs."""

    source: Path
    matrix: RoadMatrix
    legs: RoadLegs

    @classmethod
    def from_osm(cls, path: str | os.PathLike[str]) -> RoadTravel:
        matrix = RoadMatrix(load_network(path))
        return cls(Path(path), matrix, RoadLegs(matrix))

    def check_on_map(self, places: Iterable[tuple[str, float, float]]) -> None:
        """Raise ValueError naming the first place (``(name, lat, lon)``) too far from
        every road to be snapped: usually an address outside the extract."""
        places = list(places)
        if not places:
            return
        points = [GeoPoint(lat, lon) for _, lat, lon in places]
        _, metres = self.matrix.network.snap(points, max_snap_metres=float("inf"))
        limit = self.matrix.max_snap_metres
        for (name, lat, lon), away in zip(places, metres, strict=True):
            if away > limit:
                lat_lo, lon_lo, lat_hi, lon_hi = self.matrix.network.bounds
                raise ValueError(
                    f"{name} ({lat:.5f}, {lon:.5f}) is {away / 1000:.1f} km from the nearest "
                    f"road of {self.source.name} (limit {limit / 1000:.1f} km); its roads "
                    f"cover lat {lat_lo:.4f}..{lat_hi:.4f}, lon {lon_lo:.4f}..{lon_hi:.4f}")
