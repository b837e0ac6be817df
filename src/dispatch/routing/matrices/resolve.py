"""Pick the matrix a problem is solved on: its own, or the default for its kind of points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.matrices.euclidean import EuclideanMatrix
from dispatch.routing.matrices.great_circle import GreatCircleMatrix

if TYPE_CHECKING:
    from dispatch.routing.problem import Problem


def problem_matrix(problem: Problem) -> TravelMatrix:
    if problem.matrix is not None:
        return problem.matrix
    provider = GreatCircleMatrix() if problem.is_geographic else EuclideanMatrix()
    return provider.matrix(problem.locations)
