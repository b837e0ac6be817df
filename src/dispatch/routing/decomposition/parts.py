"""A part of a large problem: some of its stops and vehicles, as a problem of its own.

The part's matrix is cut from the whole problem's matrix when there is one, or asked of
the provider for the part's own locations: a part of 200 stops needs a 200 x 200 matrix,
whatever the size of the whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.matrices.euclidean import EuclideanMatrix
from dispatch.routing.matrices.great_circle import GreatCircleMatrix
from dispatch.routing.problem import Problem


def restrict(problem: Problem, stop_ids: Iterable[str], vehicle_ids: Iterable[str],
             name: str) -> Problem:
    """The problem over these stops and vehicles (pairs kept when both halves are in)."""
    stops = set(stop_ids)
    vehicles = set(vehicle_ids)
    return Problem(
        vehicles=tuple(v for v in problem.vehicles if v.id in vehicles),
        stops=tuple(s for s in problem.stops if s.id in stops),
        pairs=tuple(p for p in problem.pairs if p.pickup in stops and p.delivery in stops),
        depots=problem.depots, skills=problem.skills, name=name)


@dataclass(frozen=True)
class PartMatrices:
    """Where a part's travel matrix comes from: the whole matrix, or a provider."""

    whole: TravelMatrix | None = None
    provider: MatrixProvider | None = None

    @classmethod
    def for_problem(cls, problem: Problem,
                    matrix: TravelMatrix | MatrixProvider | None) -> PartMatrices:
        if isinstance(matrix, TravelMatrix):
            return cls(whole=matrix)
        if matrix is None and problem.matrix is not None:
            return cls(whole=problem.matrix)
        if matrix is None:
            matrix = GreatCircleMatrix() if problem.is_geographic else EuclideanMatrix()
        return cls(provider=matrix)

    def matrix(self, whole: Problem, part: Problem) -> TravelMatrix:
        if self.whole is None:
            assert self.provider is not None
            return self.provider.matrix(part.locations)
        rows = _rows_in_whole(whole, part)
        grid = np.ix_(rows, rows)
        return TravelMatrix(self.whole.distance[grid], self.whole.duration[grid])


def _rows_in_whole(whole: Problem, part: Problem) -> list[int]:
    """For each of the part's locations, its row in the whole problem's matrix."""
    rows: list[int] = []
    for vehicle in part.vehicles:
        for row in whole.vehicle_nodes(vehicle.id):
            if row not in rows:
                rows.append(row)
    rows.extend(whole.stop_node(s.id) for s in part.stops)
    return rows
