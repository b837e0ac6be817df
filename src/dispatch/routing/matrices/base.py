"""Travel matrices: distance in metres (or planar units) and duration in seconds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dispatch.routing.locations import Location


@dataclass(frozen=True)
class TravelMatrix:
    """Square, non-negative, finite distance and duration matrices of one size.

    ``distance[i, j]`` and ``duration[i, j]`` are for travelling from location i to j.
    """

    distance: np.ndarray
    duration: np.ndarray

    def __post_init__(self) -> None:
        for name in ("distance", "duration"):
            array = np.array(getattr(self, name), dtype=float)
            if array.ndim != 2 or array.shape[0] != array.shape[1]:
                raise ValueError(f"{name} matrix must be square, got shape {array.shape}")
            if not np.all(np.isfinite(array)):
                raise ValueError(f"{name} matrix contains NaN or infinite entries")
            if np.any(array < 0):
                i, j = np.argwhere(array < 0)[0]
                raise ValueError(f"{name} matrix has a negative entry at [{i}, {j}]")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if self.distance.shape != self.duration.shape:
            raise ValueError(
                f"distance {self.distance.shape} and duration {self.duration.shape} "
                "matrices differ in shape"
            )

    @property
    def size(self) -> int:
        return int(self.distance.shape[0])


class MatrixProvider(Protocol):
    """Anything that turns a list of locations into a :class:`TravelMatrix`."""

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix: ...
