"""Great-circle distances (geopy's semantics) vectorised with numpy, with a detour factor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from geopy.distance import EARTH_RADIUS

from dispatch.routing.locations import GeoPoint, Location
from dispatch.routing.matrices.base import TravelMatrix

EARTH_RADIUS_M = EARTH_RADIUS * 1000.0


@dataclass(frozen=True)
class SpeedProfile:
    """Average road speed by trip length: short trips are slower (junctions, parking).

    ``bands`` are ``(up_to_metres, km_per_hour)`` sorted by distance; trips longer than the
    last band use ``default_kmh``.
    """

    default_kmh: float = 30.0
    bands: tuple[tuple[float, float], ...] = ((1_000.0, 18.0), (5_000.0, 25.0))

    def __post_init__(self) -> None:
        speeds = [self.default_kmh, *(kmh for _, kmh in self.bands)]
        if any(not s > 0 for s in speeds):
            raise ValueError("speed profile speeds must be positive")

    def seconds(self, metres: np.ndarray) -> np.ndarray:
        speed = np.full(metres.shape, self.default_kmh, dtype=float)
        for limit, kmh in reversed(self.bands):
            speed = np.where(metres <= limit, kmh, speed)
        return metres / (speed / 3.6)


def haversine_metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distance between rows of ``a`` and ``b`` ([lat, lon] degrees)."""
    lat1 = np.radians(a[:, 0])[:, None]
    lon1 = np.radians(a[:, 1])[:, None]
    lat2 = np.radians(b[:, 0])[None, :]
    lon2 = np.radians(b[:, 1])[None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class GreatCircleMatrix:
    """Road distance estimated as great-circle distance times ``detour``.

    geopy's ``great_circle`` uses a sphere of radius ``geopy.distance.EARTH_RADIUS``; so do we.
    """

    detour: float = 1.3
    speed: SpeedProfile = SpeedProfile()

    def __post_init__(self) -> None:
        if not self.detour >= 1.0:
            raise ValueError(f"detour factor must be at least 1, got {self.detour}")

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        if not all(isinstance(p, GeoPoint) for p in locations):
            raise ValueError("GreatCircleMatrix needs lat/lon locations")
        coords = np.array([(p.lat, p.lon) for p in locations], dtype=float).reshape(-1, 2)
        distance = haversine_metres(coords, coords) * self.detour
        np.fill_diagonal(distance, 0.0)
        return TravelMatrix(distance=distance, duration=self.speed.seconds(distance))
