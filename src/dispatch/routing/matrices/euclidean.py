"""Straight-line distances on a plane: the benchmark convention (speed 1, unrounded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dispatch.routing.locations import Location, PlanarPoint
from dispatch.routing.matrices.base import TravelMatrix


@dataclass(frozen=True)
class EuclideanMatrix:
    """Distance is the Euclidean norm; duration is distance / ``speed``."""

    speed: float = 1.0

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be positive, got {self.speed}")

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        if not all(isinstance(p, PlanarPoint) for p in locations):
            raise ValueError("EuclideanMatrix needs planar x/y locations")
        xy = np.array([(p.x, p.y) for p in locations], dtype=float).reshape(-1, 2)
        diff = xy[:, None, :] - xy[None, :, :]
        distance = np.sqrt((diff**2).sum(axis=2))
        return TravelMatrix(distance=distance, duration=distance / self.speed)
