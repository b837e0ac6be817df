"""What a planning worker process runs: rebuild the problem from its inputs and solve it.

Kept apart from the worker's database code so a freshly spawned process imports only the
routing core and the builder, not SQLAlchemy and the models.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dispatch.planning.problem_builder import PlanInputs, build_problem
from dispatch.routing import Problem, Solution, SolveParams, solve
from dispatch.routing.matrices import MatrixProvider


def solve_inputs(inputs: PlanInputs, params: SolveParams, travel: MatrixProvider | None = None,
                 ) -> tuple[PlanInputs, dict[str, Any]]:
    """Search in this one process (the pool provides the parallelism); return the inputs
    finally solved and ``Solution.to_dict()``, plain data that crosses back to the parent.

    A stop already on board must stay on its van even when its window or the driver's
    shift can no longer be kept: if the search leaves such stops out, their windows are
    opened, their drivers may work over, and it searches again (they are then served,
    late). ``travel`` times the legs (a road network); without it, the routing default."""
    params = replace(params, workers=1)
    solution = _solve(build_problem(inputs).problem, params, travel)
    on_board = {s.id for s in inputs.stops if s.dispatched or s.arrived}
    stranded = {u.stop_id for u in solution.unassigned} & on_board
    if stranded:
        drivers = {s.driver_id for s in inputs.stops if s.id in stranded}
        inputs = replace(inputs, open_windows=inputs.open_windows | stranded,
                         overtime=inputs.overtime | {d for d in drivers if d is not None})
        solution = _solve(build_problem(inputs).problem, params, travel)
    return inputs, solution.to_dict()


def _solve(problem: Problem, params: SolveParams, travel: MatrixProvider | None) -> Solution:
    # The provider, not its matrix: a wave large enough to be solved in parts asks it only
    # for each part's locations.
    return solve(problem, params, travel)
