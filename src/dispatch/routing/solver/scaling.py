"""Integer encodings of the problem's floats: OR-Tools works in whole numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem

COST_SCALE = 100_000  # objective units per currency unit
REQUIRED_PENALTY = 10**13  # dropping a required stop costs more than any route


@dataclass(frozen=True)
class Scales:
    """Ticks per second, per distance unit and per demand unit.

    Travel times are rounded up, so a schedule that fits in ticks also fits in seconds.
    """

    time: float
    distance: float
    demand: float

    @classmethod
    def for_problem(cls, problem: Problem, time_resolution: float | None) -> Scales:
        geographic = problem.is_geographic
        time = time_resolution or (1.0 if geographic else 1000.0)
        distance = 1.0 if geographic else 1000.0
        amounts = [a for s in problem.stops for a in s.demand.values()]
        amounts += [c for v in problem.vehicles for c in v.capacity.values()]
        demand = 1.0 if all(float(a).is_integer() for a in amounts) else 1000.0
        return cls(time, distance, demand)

    def ticks(self, seconds: float) -> int:
        return int(math.ceil(seconds * self.time - 1e-9))

    def ticks_floor(self, seconds: float) -> int:
        return int(math.floor(seconds * self.time + 1e-9))

    def demand_ticks(self, amount: float) -> int:
        return int(math.ceil(amount * self.demand - 1e-9))

    def capacity_ticks(self, amount: float) -> int:
        return int(math.floor(amount * self.demand + 1e-9))

    def travel_ticks(self, matrix: TravelMatrix, speed_factor: float) -> np.ndarray:
        return np.ceil(matrix.duration / speed_factor * self.time - 1e-9).astype(np.int64)

    def distance_ticks(self, matrix: TravelMatrix) -> np.ndarray:
        return np.rint(matrix.distance * self.distance).astype(np.int64)
