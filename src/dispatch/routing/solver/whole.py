"""The whole problem in one OR-Tools model: the solver for waves of up to about 1,000 stops."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from dispatch.routing.evaluation import evaluate
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.matrices.resolve import problem_matrix
from dispatch.routing.problem import Problem
from dispatch.routing.solution import Solution
from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.portfolio import run_portfolio
from dispatch.routing.solver.prefix_fallback import solve_around_prefixes
from dispatch.routing.solver.reasons import explain_unassigned

log = logging.getLogger(__name__)


def _late_frozen_stops(problem: Problem, matrix: TravelMatrix) -> frozenset[str]:
    """Frozen stops that are already late: their windows cannot bind, or nothing would solve."""
    if not problem.locks.frozen:
        return frozenset()
    prefixes = {v: list(stops) for v, stops in problem.locks.frozen.items()}
    checked = evaluate(problem, prefixes, matrix)
    return frozenset(v.stop_id for v in checked.violations
                     if v.kind == "window" and v.stop_id is not None)


def solve_whole(problem: Problem, params: SolveParams, matrix: TravelMatrix | None = None,
                initial: Mapping[str, Sequence[str]] | None = None) -> Solution:
    """Plan routes with one model. ``initial`` (vehicle id -> stop ids) is where the search
    starts instead of constructing a plan: the routes a decomposition wants improved."""
    started = time.perf_counter()
    matrix = matrix or problem_matrix(problem)
    relaxed = _late_frozen_stops(problem, matrix)
    prepared = time.perf_counter() - started
    start = None if initial is None else {v: list(s) for v, s in initial.items() if s}
    results = run_portfolio(problem, matrix, params, relaxed, start)
    if results:
        best = min(results, key=lambda r: r.rank(params.objective))
        plan, objective = best.plan, best.objective
        stats = {
            "strategy": best.strategy,
            # From the call, matrix included: when a complete plan first existed.
            "first_solution_seconds": (None if best.first_solution_seconds is None
                                       else prepared + best.first_solution_seconds),
            "strategies": {r.strategy: list(r.rank(params.objective)) for r in results},
        }
    elif problem.locks.frozen:
        log.info("frozen prefixes of %s cannot be kept in the model; solving around them",
                 problem.name)
        plan = solve_around_prefixes(problem, matrix, lambda rest, sub: {
            r.vehicle_id: list(r.stop_ids) for r in solve_whole(rest, params, sub).routes})
        objective, stats = 0, {"strategy": "around-frozen-prefixes"}
    else:
        log.warning("no search produced a plan for %s; returning every stop unassigned",
                    problem.name)
        plan, objective, stats = {}, 0, {"strategy": None}
    solution = evaluate(problem, plan, matrix)
    solution = explain_unassigned(problem, matrix, solution)
    stats |= {"seconds": time.perf_counter() - started, "workers": params.worker_count,
              "objective_mode": params.objective}
    return replace(solution, objective=float(objective), stats=stats)
