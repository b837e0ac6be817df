"""What a planning worker process runs: rebuild the problem from its inputs and solve it.

Kept apart from the worker's database code so a freshly spawned process imports only the
routing core and the builder, not SQLAlchemy and the models.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dispatch.planning.problem_builder import PlanInputs, build_problem
from dispatch.routing import SolveParams, solve


def solve_inputs(inputs: PlanInputs, params: SolveParams) -> dict[str, Any]:
    """Search in this one process (the pool provides the parallelism) and return
    ``Solution.to_dict()``, which crosses back to the parent as plain data."""
    built = build_problem(inputs)
    return solve(built.problem, replace(params, workers=1)).to_dict()
