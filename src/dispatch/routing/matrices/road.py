"""Travel matrices over an OpenStreetMap road network: one-way streets, road speeds, snapping.

Great-circle estimates cannot see one-way systems, tunnels or hairpins; in a dense city
like Monaco those dominate the real cost of a delivery round.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from dispatch.routing.locations import GeoPoint, Location
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.matrices.great_circle import EARTH_RADIUS_M, haversine_metres
from dispatch.routing.matrices.road_graph import load_road_arrays, rowwise_metres


def geo_coords(points: Sequence[Location]) -> np.ndarray:
    """``[lat, lon]`` rows for geographic points; planar points make no sense on a road map."""
    for i, point in enumerate(points):
        if not isinstance(point, GeoPoint):
            raise ValueError(
                f"road network needs lat/lon locations, location {i} is {type(point).__name__}"
            )
    return np.array([(p.lat, p.lon) for p in points], dtype=float).reshape(-1, 2)


class RoadNetwork:
    """A strongly connected drivable graph: node positions plus CSR edges (metres, seconds)."""

    def __init__(self, arrays: dict[str, np.ndarray], *, from_cache: bool = False) -> None:
        self.node_ids = np.asarray(arrays["node_ids"], dtype=np.int64)
        self.coords = np.asarray(arrays["coords"], dtype=float)
        self._indptr = np.asarray(arrays["indptr"], dtype=np.int64)
        self._indices = np.asarray(arrays["indices"], dtype=np.int64)
        self._length = np.asarray(arrays["length"], dtype=float)
        self._time = np.asarray(arrays["time"], dtype=float)
        self.raw_node_count, self.raw_edge_count = (int(c) for c in arrays["raw_counts"])
        self.from_cache = from_cache
        if len(self._indptr) != self.node_count + 1 or self._indptr[-1] != len(self._indices):
            raise ValueError("road network arrays are inconsistent")
        for array in (self.node_ids, self.coords):
            array.setflags(write=False)

    @classmethod
    def from_osm(
        cls,
        path: str | os.PathLike[str],
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        include_service: bool = False,
    ) -> RoadNetwork:
        """Load from the cache when the file is unchanged, else build the graph and cache it."""
        arrays, from_cache = load_road_arrays(path, cache_dir, include_service)
        return cls(arrays, from_cache=from_cache)

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        return len(self._indices)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_lat, min_lon, max_lat, max_lon)`` of the road nodes."""
        low, high = self.coords.min(axis=0), self.coords.max(axis=0)
        return float(low[0]), float(low[1]), float(high[0]), float(high[1])

    def csr(self, weight: str) -> csr_matrix:
        """Adjacency matrix weighted by ``"length"`` (metres) or ``"time"`` (seconds)."""
        data = {"length": self._length, "time": self._time}.get(weight)
        if data is None:
            raise ValueError(f"weight must be 'length' or 'time', got {weight!r}")
        shape = (self.node_count, self.node_count)
        return csr_matrix((data, self._indices, self._indptr), shape=shape)

    @cached_property
    def _projection(self) -> tuple[float, float, float]:
        lat0 = float(self.coords[:, 0].mean())
        lon0 = float(self.coords[:, 1].mean())
        return lat0, lon0, float(np.cos(np.radians(lat0)))

    def _project(self, coords: np.ndarray) -> np.ndarray:
        """Local equirectangular metres, so the k-d tree's Euclidean nearest is the true one."""
        lat0, lon0, cos0 = self._projection
        x = EARTH_RADIUS_M * np.radians(coords[:, 1] - lon0) * cos0
        y = EARTH_RADIUS_M * np.radians(coords[:, 0] - lat0)
        return np.column_stack([x, y])

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self._project(self.coords))

    def snap(
        self, points: Sequence[Location], max_snap_metres: float = 5_000.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest road node per point and the great-circle distance to it, in metres.

        Raises ValueError for planar points or a point more than ``max_snap_metres`` from
        every road node (usually a location outside the map extract).
        """
        coords = geo_coords(points)
        if not len(coords):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
        _, nodes = self._tree.query(self._project(coords))
        nodes = np.asarray(nodes, dtype=np.int64)
        metres = rowwise_metres(coords, self.coords[nodes])
        far = np.flatnonzero(metres > max_snap_metres)
        if len(far):
            i = int(far[0])
            lat_lo, lon_lo, lat_hi, lon_hi = self.bounds
            raise ValueError(
                f"location {i} ({coords[i, 0]:.5f}, {coords[i, 1]:.5f}) is "
                f"{metres[i] / 1000:.1f} km from the nearest road (limit "
                f"{max_snap_metres / 1000:.1f} km); the road network covers lat "
                f"{lat_lo:.4f}..{lat_hi:.4f}, lon {lon_lo:.4f}..{lon_hi:.4f}"
            )
        return nodes, metres


@dataclass(frozen=True, eq=False)
class RoadMatrix:
    """Shortest road distance and fastest road time between locations.

    Each location is snapped to its nearest road node and reaches it at ``access_kmh``
    (walking a parcel to the door, crawling into a car park). Distance and duration come
    from two Dijkstra runs from the snapped nodes only, one weighted by length and one by
    time, so ``distance[i, j]`` is the shortest route and ``duration[i, j]`` the fastest,
    which may be different routes. Road distance is never below the great-circle distance:
    edges and snap legs are great-circle lengths, so the triangle inequality guarantees it
    without clamping. Two locations that snap to the same node are joined directly at
    access speed, so repeated addresses cost nothing instead of two snap legs.
    """

    network: RoadNetwork
    access_kmh: float = 15.0
    max_snap_metres: float = 5_000.0

    def __post_init__(self) -> None:
        if not self.access_kmh > 0:
            raise ValueError(f"access speed must be positive, got {self.access_kmh}")
        if not self.max_snap_metres > 0:
            raise ValueError(f"max snap distance must be positive, got {self.max_snap_metres}")

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        coords = geo_coords(locations)
        nodes, snap_m = self.network.snap(locations, self.max_snap_metres)
        if not len(nodes):
            return TravelMatrix(distance=np.zeros((0, 0)), duration=np.zeros((0, 0)))
        sources, position = np.unique(nodes, return_inverse=True)
        pick = np.ix_(position.ravel(), position.ravel())
        road_m = self._between(sources, "length")[pick]
        road_s = self._between(sources, "time")[pick]

        access_ms = self.access_kmh / 3.6
        distance = snap_m[:, None] + road_m + snap_m[None, :]
        duration = (snap_m[:, None] + snap_m[None, :]) / access_ms + road_s
        same_node = nodes[:, None] == nodes[None, :]
        direct_m = haversine_metres(coords, coords)
        distance = np.where(same_node, direct_m, distance)
        duration = np.where(same_node, direct_m / access_ms, duration)
        np.fill_diagonal(distance, 0.0)
        np.fill_diagonal(duration, 0.0)
        return TravelMatrix(distance=distance, duration=duration)

    def _between(self, sources: np.ndarray, weight: str) -> np.ndarray:
        """Shortest path weights among ``sources`` (Dijkstra from those nodes only)."""
        paths = dijkstra(self.network.csr(weight), directed=True, indices=sources)
        between = paths[:, sources]
        if not np.all(np.isfinite(between)):  # cannot happen on a strongly connected graph
            raise RuntimeError("road network has unreachable nodes; rebuild the cache")
        return between
