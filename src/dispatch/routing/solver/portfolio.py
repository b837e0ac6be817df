"""Run differently configured searches side by side in processes and keep the best."""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solver.fleet import minimise_fleet
from dispatch.routing.solver.fleet_arrays import FleetArrays, fleet_arrays
from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.ruin_recreate import FleetMinimiser
from dispatch.routing.solver.scaling import Scales
from dispatch.routing.solver.search import SearchResult, run_search
from dispatch.routing.solver.strategies import PORTFOLIO, Strategy

log = logging.getLogger(__name__)

POLISH = Strategy("polish-gls")
TINY_STOPS = 3
"""Up to this many stops, local search reaches its optimum at once: a metaheuristic would
only circle it until the time limit (a solution limit is never reached), so plain descent
ends the search there instead."""

Plan = dict[str, list[str]]

# Forked workers read the problem from here instead of unpickling it for every task.
_JOB: tuple[Problem, TravelMatrix, SolveParams, frozenset[str], Plan | None] | None = None


def _worker(strategy: Strategy, seconds: float, seed: int) -> SearchResult | None:
    assert _JOB is not None
    problem, matrix, params, relaxed, initial = _JOB
    return run_strategy(problem, matrix, params, strategy, seconds, relaxed, seed, initial)


def _ruin_and_recreate(problem: Problem, best: SearchResult, arrays: FleetArrays,
                       deadline: float, seed: int, stall_seconds: float) -> SearchResult:
    """Fewer routes by ruin and recreate; the objective is left for the polish to set."""
    node = {stop_id: i for i, stop_id in enumerate(arrays.stop_ids, start=1)}
    routes = [[node[s] for s in stops] for stops in best.plan.values()]
    fewer = FleetMinimiser(arrays, seed).minimise(routes, deadline, stall_seconds)
    if len(fewer) >= len(routes):
        return best
    vehicles = [v.id for v in problem.vehicles]
    plan = {vehicles[i]: [arrays.stop_ids[n - 1] for n in route] for i, route in enumerate(fewer)}
    return replace(best, plan=plan, objective=sys.maxsize)


def _start_from(problem: Problem, initial: Plan, search: partial, seconds: float,
                limit: int | None, fleet_next: bool) -> SearchResult | None:
    """Complete routes go straight to the fleet minimiser; otherwise the warm search first
    inserts what is missing (and, without a fleet phase, is the whole improvement)."""
    served = {s for stops in initial.values() for s in stops}
    if fleet_next and all(s.id in served for s in problem.stops if s.required):
        return SearchResult(initial, sys.maxsize, "initial", 0.0, 0.0, 0)
    return search(strategy=POLISH, initial=initial, time_limit=seconds, solution_limit=limit)


def run_strategy(problem: Problem, matrix: TravelMatrix, params: SolveParams,
                 strategy: Strategy, seconds: float, relaxed: frozenset[str] = frozenset(),
                 seed: int = 0, initial: Plan | None = None) -> SearchResult | None:
    """First plan and improvement, fleet minimisation (hierarchical), then a warm polish.

    Plain VRPTWs and PDPTWs get the ruin-and-recreate fleet minimiser (time-based, so only
    without a solution limit); everything else the OR-Tools route-elimination loop.
    ``initial`` replaces the construction: routes serving every required stop are taken as
    they are, others are completed by a warm-started search.
    """
    started = time.perf_counter()
    deadline = started + seconds
    polish = POLISH
    if len(problem.stops) <= TINY_STOPS:
        strategy = replace(strategy, metaheuristic="GREEDY_DESCENT", iterated=False)
        polish = replace(POLISH, metaheuristic="GREEDY_DESCENT")
    search = partial(run_search, problem, matrix, objective=params.objective,
                     time_resolution=params.time_resolution, relaxed=relaxed,
                     log_search=params.log_search)
    fleet_phase = params.objective == "hierarchical" and params.minimise_fleet
    limit = params.solution_limit
    arrays = None
    if fleet_phase and limit is None and not relaxed:
        arrays = fleet_arrays(problem, matrix, Scales.for_problem(problem, params.time_resolution))
    share = 0.15 if arrays is not None else 0.4 if fleet_phase else 1.0
    if initial is not None:
        best = _start_from(problem, initial, search, seconds * share, limit,
                           fleet_next=arrays is not None)
    else:
        best = search(strategy=strategy, time_limit=seconds * share, solution_limit=limit)
    if best is None and deadline - time.perf_counter() > 0.1:
        # No first plan within the phase's share (a big problem, a busy machine): a plan
        # comes before everything else, so the construction gets the time that is left.
        best = search(strategy=strategy, time_limit=deadline - time.perf_counter(),
                      solution_limit=limit)
    if best is None or limit is None and not fleet_phase:
        return best
    first = best.first_solution_seconds
    if arrays is not None and best.dropped_required == 0:
        # Hedge across workers: even seeds chase the last route to the end, odd seeds give
        # up on a stalled attempt and leave the time to the distance polish.
        stall = float("inf") if seed % 2 == 0 else 0.1 * seconds
        best = _ruin_and_recreate(problem, best, arrays, started + 0.7 * seconds, seed, stall)
    elif fleet_phase:
        best = minimise_fleet(best, partial(search, strategy=POLISH), deadline,
                              attempt_seconds=max(0.5, seconds * 0.15), solution_limit=limit)
    remaining = deadline - time.perf_counter()
    if limit is not None or remaining > 0.3:
        cap = len(best.plan) if params.objective == "hierarchical" else None
        polished = search(strategy=polish, initial=best.plan, max_vehicles=cap,
                          time_limit=max(remaining, 0.1), solution_limit=limit)
        if polished is not None and polished.rank(params.objective) < best.rank(
                params.objective):
            best = polished
    return SearchResult(best.plan, best.objective, strategy.name,
                        time.perf_counter() - started, first, best.dropped_required)


def run_portfolio(problem: Problem, matrix: TravelMatrix, params: SolveParams,
                  relaxed: frozenset[str] = frozenset(),
                  initial: Plan | None = None) -> list[SearchResult]:
    """One strategy per worker; a single worker runs in this process."""
    workers = params.worker_count
    strategies = [PORTFOLIO[i % len(PORTFOLIO)] for i in range(workers)]
    seconds = params.time_limit
    if workers == 1:
        result = run_strategy(problem, matrix, params, strategies[0], seconds, relaxed,
                              params.seed, initial)
        return [result] if result else []
    global _JOB
    _JOB = (problem, matrix, params, relaxed, initial)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_worker, s, seconds, params.seed + i)
                       for i, s in enumerate(strategies)]
            results = [f.result() for f in futures]
    finally:
        _JOB = None
    return [r for r in results if r is not None]
