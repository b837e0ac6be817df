"""One search: build the model, find a first plan, improve it until the limit."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solver.encoding import encode
from dispatch.routing.solver.strategies import Strategy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    """Routes as stop ids per vehicle, with the solver's objective and timings."""

    plan: dict[str, list[str]]
    objective: int
    strategy: str
    seconds: float
    first_solution_seconds: float | None
    dropped_required: int

    def rank(self, objective: str) -> tuple:
        """Sort key: fewer required stops dropped, then (hierarchical) vehicles, then cost."""
        if objective == "hierarchical":
            return (self.dropped_required, len(self.plan), self.objective)
        return (self.dropped_required, self.objective)


def run_search(problem: Problem, matrix: TravelMatrix, *, objective: str, strategy: Strategy,
               time_limit: float, solution_limit: int | None = None,
               time_resolution: float | None = None, initial: dict[str, list[str]] | None = None,
               max_vehicles: int | None = None, relaxed: frozenset[str] = frozenset(),
               log_search: bool = False) -> SearchResult | None:
    """Solve once; ``initial`` warm-starts from given routes (stops left out may be inserted)."""
    started = time.perf_counter()
    enc = encode(problem, matrix, objective, time_resolution, max_vehicles, relaxed)
    params = strategy.search_parameters(time_limit, solution_limit, log_search)
    first_seen: list[float] = []
    enc.routing.AddAtSolutionCallback(
        lambda: first_seen or first_seen.append(time.perf_counter() - started))
    if initial is not None:
        enc.routing.CloseModelWithParameters(params)
        start = enc.assignment_from(initial)
        if start is None:
            log.debug("warm start rejected by the model; solving from scratch")
            solution = enc.routing.SolveWithParameters(params)
        else:
            solution = enc.routing.SolveFromAssignmentWithParameters(start, params)
    elif strategy.iterated:
        solution = enc.routing.SolveWithIteratedLocalSearch(params)
    else:
        solution = enc.routing.SolveWithParameters(params)
    if solution is None:
        return None
    plan = enc.routes_from(solution)
    served = {s for stops in plan.values() for s in stops}
    dropped = sum(1 for s in problem.stops if s.required and s.id not in served)
    return SearchResult(plan, solution.ObjectiveValue(), strategy.name,
                        time.perf_counter() - started,
                        first_seen[0] if first_seen else None, dropped)
