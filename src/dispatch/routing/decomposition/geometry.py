"""Plane coordinates and bearings for splitting a problem by geography.

Lat/lon points are projected equirectangularly about their mean latitude: over a city or
a region the distortion is far below what a partition into parts of a few hundred stops
can notice, and it costs O(n), not the O(n^2) of a matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dispatch.routing.locations import GeoPoint, Location

EARTH_RADIUS_M = 6_371_009.0


def plane_coordinates(locations: Sequence[Location]) -> np.ndarray:
    """An (n, 2) array of x/y: planar points as they are, lat/lon in metres."""
    if not locations:
        return np.zeros((0, 2))
    if isinstance(locations[0], GeoPoint):
        lat = np.radians([p.lat for p in locations])
        lon = np.radians([p.lon for p in locations])
        scale = math.cos(float(lat.mean()))
        return np.column_stack([lon * scale, lat]) * EARTH_RADIUS_M
    return np.array([(p.x, p.y) for p in locations], dtype=float)


def bearings(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Angle of each point seen from ``centre``, in [0, 2*pi)."""
    delta = points - centre
    return np.mod(np.arctan2(delta[:, 1], delta[:, 0]), 2 * math.pi)


def sweep_order(angles: np.ndarray) -> np.ndarray:
    """Indices sorted by angle, the sweep starting after the widest empty sector: a part
    boundary there cuts through nothing."""
    order = np.argsort(angles, kind="stable")
    if len(order) < 2:
        return order
    ordered = angles[order]
    gaps = np.diff(np.append(ordered, ordered[0] + 2 * math.pi))
    start = (int(np.argmax(gaps)) + 1) % len(order)
    return np.roll(order, -start)


def chunk_by_weight(weights: Sequence[int], parts: int, offset: float = 0.0) -> list[list[int]]:
    """Split positions 0..n-1 (in sweep order) into ``parts`` consecutive runs of about equal
    weight; ``offset`` (a fraction of one part) rotates where the runs begin, so successive
    rounds move the borders."""
    n = len(weights)
    if n == 0:
        return []
    parts = max(1, min(parts, n))
    total = float(sum(weights))
    size = total / parts
    shift = (offset % 1.0) * size
    cumulative = np.cumsum(weights, dtype=float) - np.asarray(weights, dtype=float) / 2
    labels = np.floor(np.mod(cumulative + shift, total) / size).astype(int) % parts
    runs: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        runs.setdefault(int(label), []).append(position)
    return [runs[label] for label in sorted(runs)]
