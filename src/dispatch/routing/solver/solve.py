"""``solve(problem, params)``: the one entry point from problem to timed routes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dispatch.routing.decomposition import decomposable, solve_decomposed
from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solution import Solution
from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.whole import solve_whole


def solve(problem: Problem, params: SolveParams | None = None,
          matrix: TravelMatrix | MatrixProvider | None = None,
          initial: Mapping[str, Sequence[str]] | None = None) -> Solution:
    """Plan routes. Never fails for lack of a solution: stops that cannot be served come
    back in ``Solution.unassigned`` with the constraint that kept them out.

    ``matrix`` is the problem's travel matrix, or a provider asked only for the parts a
    large problem is split into (no n x n matrix for thousands of stops). ``initial``
    warm-starts the search from given routes (vehicle id -> stop ids).
    """
    params = params or SolveParams()
    if initial is None and decomposable(problem, params):
        return solve_decomposed(problem, params, matrix)
    if matrix is not None and not isinstance(matrix, TravelMatrix):
        matrix = matrix.matrix(problem.locations)
    return solve_whole(problem, params, matrix, initial)
