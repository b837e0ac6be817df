"""Run differently configured searches side by side in processes and keep the best."""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solver.fleet import minimise_fleet
from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.search import SearchResult, run_search
from dispatch.routing.solver.strategies import PORTFOLIO, Strategy

log = logging.getLogger(__name__)

POLISH = Strategy("polish-gls")

# Forked workers read the problem from here instead of unpickling it for every task.
_JOB: tuple[Problem, TravelMatrix, SolveParams, frozenset[str]] | None = None


def _worker(strategy: Strategy, seconds: float) -> SearchResult | None:
    assert _JOB is not None
    problem, matrix, params, relaxed = _JOB
    return run_strategy(problem, matrix, params, strategy, seconds, relaxed)


def run_strategy(problem: Problem, matrix: TravelMatrix, params: SolveParams,
                 strategy: Strategy, seconds: float,
                 relaxed: frozenset[str] = frozenset()) -> SearchResult | None:
    """First plan and improvement, fleet minimisation (hierarchical), then a warm polish."""
    started = time.perf_counter()
    deadline = started + seconds
    search = partial(run_search, problem, matrix, objective=params.objective,
                     time_resolution=params.time_resolution, relaxed=relaxed,
                     log_search=params.log_search)
    fleet_phase = params.objective == "hierarchical" and params.minimise_fleet
    limit = params.solution_limit
    best = search(strategy=strategy, time_limit=seconds * (0.4 if fleet_phase else 1.0),
                  solution_limit=limit)
    if best is None or limit is None and not fleet_phase:
        return best
    if fleet_phase:
        best = minimise_fleet(best, partial(search, strategy=POLISH), deadline,
                              attempt_seconds=max(0.5, seconds * 0.15), solution_limit=limit)
    remaining = deadline - time.perf_counter()
    if limit is not None or remaining > 0.3:
        cap = len(best.plan) if params.objective == "hierarchical" else None
        polished = search(strategy=POLISH, initial=best.plan, max_vehicles=cap,
                          time_limit=max(remaining, 0.1), solution_limit=limit)
        if polished is not None and polished.rank(params.objective) < best.rank(
                params.objective):
            best = polished
    first = best.first_solution_seconds
    return SearchResult(best.plan, best.objective, strategy.name,
                        time.perf_counter() - started, first, best.dropped_required)


def run_portfolio(problem: Problem, matrix: TravelMatrix, params: SolveParams,
                  relaxed: frozenset[str] = frozenset()) -> list[SearchResult]:
    """One strategy per worker; a single worker runs in this process."""
    workers = params.worker_count
    strategies = [PORTFOLIO[i % len(PORTFOLIO)] for i in range(workers)]
    seconds = params.time_limit
    if workers == 1:
        result = run_strategy(problem, matrix, params, strategies[0], seconds, relaxed)
        return [result] if result else []
    global _JOB
    _JOB = (problem, matrix, params, relaxed)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_worker, s, seconds) for s in strategies]
            results = [f.result() for f in futures]
    finally:
        _JOB = None
    return [r for r in results if r is not None]
