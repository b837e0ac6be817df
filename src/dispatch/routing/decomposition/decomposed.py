"""Solve a large problem in parts: sectors first, then rounds over neighbouring routes.

1. *Construct.* Stops are swept into sectors of about ``part_size`` stops, the fleet is
   shared out among them, and each sector gets a first plan (construction only). Together
   they are the first complete plan, quickly, whatever the size of the whole.
2. *Improve.* Routes are swept by the bearing of their centroid into parts of about the
   same size, with the stops still unassigned and a few idle vehicles, and each part is
   searched from its routes. A part's new routes replace its old ones only when they are
   better. Each round starts the sweep at a different angle, so stops near one round's
   border are inside a part the next. With the hierarchical objective the first round
   minimises the fleet (on larger parts, see ``_shape``); the others polish distance.

Parts of a round share no stop and no vehicle, so they run side by side in worker
processes; a part needs only its own small matrix.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

from dispatch.routing.decomposition.assembly import Assembly
from dispatch.routing.decomposition.partition import Layout, sectors, share_vehicles, units
from dispatch.routing.decomposition.parts import PartMatrices, restrict
from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.problem import Problem
from dispatch.routing.solution import Solution
from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.whole import solve_whole

log = logging.getLogger(__name__)

MIN_PART_SECONDS = 2.0
"""Below this, a part's search barely gets past its fleet minimiser: rounds stop."""
ROUNDS_AIMED = 3
"""Each round gets about a third of the time left, so borders move a few times."""
SPARE_VEHICLES = 2
"""Idle vehicles a part is given beyond its routes' (more when it has stops unassigned)."""
FLEET_ROUND = 0
FLEET_PART_SIZE = 1000
FLEET_ROUND_SHARE = 0.6
"""The fleet round's share of the time: vehicles come first in the hierarchical objective,
and emptying a route takes far longer than shortening one (tuned on generated 1,000-stop
instances at 60 s and 300 s)."""


def decomposable(problem: Problem, params: SolveParams) -> bool:
    """Large enough to split, and nothing that ties stops to vehicles across parts."""
    if params.decompose_from is None or len(problem.stops) < params.decompose_from:
        return False
    if problem.locks.pinned or problem.locks.frozen or any(s.skills for s in problem.stops):
        log.info("%s: locks or skills keep it whole (%d stops)", problem.name,
                 len(problem.stops))
        return False
    return len(problem.vehicles) > 1


@dataclass(frozen=True)
class Task:
    """One part to solve: from scratch (``initial=None``) or from its current routes."""

    name: str
    stop_ids: tuple[str, ...]
    vehicle_ids: tuple[str, ...]
    seconds: float
    seed: int = 0
    initial: dict[str, list[str]] | None = None
    fleet: bool = False


@dataclass(frozen=True)
class _Job:
    problem: Problem
    matrices: PartMatrices
    params: SolveParams


# Forked workers read the whole problem from here; tasks carry only ids.
_JOB: _Job | None = None


def _solve_task(task: Task) -> Solution:
    assert _JOB is not None
    job = _JOB
    part = restrict(job.problem, task.stop_ids, task.vehicle_ids, task.name)
    matrix = job.matrices.matrix(job.problem, part)
    params = job.params.with_(workers=1, time_limit=task.seconds, seed=task.seed,
                              decompose_from=None,
                              minimise_fleet=job.params.minimise_fleet and task.fleet)
    if task.initial is None:
        # The first plan only: construction, no search.
        params = params.with_(solution_limit=1, minimise_fleet=False)
    return solve_whole(part, params, matrix, task.initial)


def _run(tasks: list[Task], workers: int) -> list[Solution | None]:
    """Solve tasks side by side; a part that fails is logged and left as it was."""
    if workers == 1 or len(tasks) == 1:
        return [_guarded(t) for t in tasks]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        return list(pool.map(_guarded, tasks))


def _guarded(task: Task) -> Solution | None:
    try:
        return _solve_task(task)
    except Exception:  # one part's failure must not lose the plan built so far
        log.exception("part %s failed", task.name)
        return None


def solve_decomposed(problem: Problem, params: SolveParams,
                     matrix: TravelMatrix | MatrixProvider | None = None) -> Solution:
    started = time.perf_counter()
    deadline = started + params.time_limit
    workers = params.worker_count
    layout = Layout.of(problem)
    plan = Assembly(problem, params.objective)
    global _JOB
    _JOB = _Job(problem, PartMatrices.for_problem(problem, matrix), params)
    try:
        parts = _construct(problem, params, layout, plan, workers)
        first = time.perf_counter() - started
        if log.isEnabledFor(logging.DEBUG):
            log.debug("first plan %s", plan.current(plan.unassigned, plan.routes))
        rounds, improved = _improve(problem, params, layout, plan, workers, deadline)
    finally:
        _JOB = None
    log.info("%s: %d stops in %d parts, first plan %.1f s, %d rounds, %d parts improved",
             problem.name, len(problem.stops), parts, first, rounds, improved)
    return plan.solution({
        "strategy": "decomposition", "first_solution_seconds": first, "parts": parts,
        "rounds": rounds, "parts_improved": improved, "workers": workers,
        "seconds": time.perf_counter() - started, "objective_mode": params.objective})


def _part_count(stops: int, params: SolveParams, workers: int, fleet: int) -> int:
    """About ``part_size`` stops a part, a multiple of the workers, at most one per vehicle."""
    per_worker = max(1, round(stops / (params.part_size * workers)))
    return max(1, min(per_worker * workers, fleet, stops))


def _construct(problem: Problem, params: SolveParams, layout: Layout, plan: Assembly,
               workers: int) -> int:
    groups = units(problem)
    count = _part_count(len(problem.stops), params, workers, len(problem.vehicles))
    runs = sectors(groups, layout, count)
    stop_parts = [[s for i in run for s in groups[i]] for run in runs]
    vehicle_parts = share_vehicles(problem, stop_parts, layout)
    cap = max(1.0, params.time_limit * 0.5)
    tasks = [Task(f"{problem.name}/part-{k}", tuple(stops), tuple(vehicles), cap)
             for k, (stops, vehicles) in enumerate(zip(stop_parts, vehicle_parts, strict=True))]
    for task, solution in zip(tasks, _run(tasks, workers), strict=True):
        if solution is None:
            raise RuntimeError(f"{task.name}: no first plan")
        plan.offer(task.stop_ids, task.vehicle_ids, solution, first=True)
    return len(tasks)


def _improve(problem: Problem, params: SolveParams, layout: Layout, plan: Assembly,
             workers: int, deadline: float) -> tuple[int, int]:
    rounds = improved = 0
    unit_of = {s: unit for unit in units(problem) for s in unit}  # what stays together
    while True:
        remaining = deadline - time.perf_counter()
        tasks = _round(problem, params, layout, plan, workers, remaining, rounds, unit_of)
        if not tasks:
            return rounds, improved
        for task, solution in zip(tasks, _run(tasks, workers), strict=True):
            if solution is not None and plan.offer(task.stop_ids, task.vehicle_ids, solution):
                improved += 1
        rounds += 1
        if log.isEnabledFor(logging.DEBUG):
            log.debug("round %d: %d parts of %.1f s; plan %s", rounds, len(tasks),
                      tasks[0].seconds, plan.current(plan.unassigned, plan.routes))


class Shape(NamedTuple):
    parts: int
    copies: int  # of each part, run side by side; the best is kept
    seconds: float  # per task
    fleet: bool  # whether the round minimises the fleet (else it polishes distance)
    max_tasks: int | None  # a last round too short for every part runs this many


def _shape(problem: Problem, params: SolveParams, workers: int, remaining: float,
           number: int) -> Shape | None:
    """How a round is cut; None when the time left is too short for any of it.

    With the hierarchical objective one round minimises the fleet on parts of about
    ``FLEET_PART_SIZE`` stops: a route can only be emptied into routes of the same part,
    so the larger the part, the more routes go. When there are fewer such parts than
    workers, each part runs on several, one chasing the last route to the end and one
    giving up early for distance, and the better answer is kept.
    """
    stops, fleet = len(problem.stops), len(problem.vehicles)
    fleet_round = (number == FLEET_ROUND and params.objective == "hierarchical"
                   and params.minimise_fleet)
    if fleet_round:
        parts = max(1, min(round(stops / FLEET_PART_SIZE), fleet))
        copies, share = max(1, workers // parts), FLEET_ROUND_SHARE
    else:
        parts, copies = _part_count(stops, params, workers, fleet), 1
        share = 1 / ROUNDS_AIMED
    waves = math.ceil(parts * copies / workers)
    seconds = max(MIN_PART_SECONDS, remaining * share / waves)
    fit = math.floor((remaining - 0.5) / seconds)
    if fit < 1:
        return None
    seconds = min(seconds, (remaining - 0.5) / min(waves, fit))
    return Shape(parts, copies, seconds, fleet_round, fit * workers if fit < waves else None)


def _seed(params: SolveParams, number: int, copy: int) -> int:
    """Even seeds chase the last route of a part, odd ones give up on a stalled chase and
    polish distance (see ``run_strategy``): outside the fleet round, only odd ones."""
    return 2 * (params.seed + number) + (copy % 2 if number == FLEET_ROUND else 1)


def _round(problem: Problem, params: SolveParams, layout: Layout, plan: Assembly,
           workers: int, remaining: float, number: int,
           unit_of: dict[str, list[str]]) -> list[Task]:
    """The parts of one round, or none when the time left is too short for one."""
    shape = _shape(problem, params, workers, remaining, number)
    if shape is None:
        return []
    parts, copies, seconds, fleet_round, max_tasks = shape
    routes = list(plan.routes.values())
    left = {tuple(unit_of[u]) for u in plan.unassigned}
    groups = [list(r.stop_ids) for r in routes] + [list(u) for u in sorted(left)]
    owners = [r.vehicle_id for r in routes] + [None] * len(left)
    idle = [v.id for v in problem.vehicles if v.id not in plan.routes]
    offset = (0.25 + number * 0.618) % 1.0  # borders never where the last round had them
    tasks = []
    for k, run in enumerate(sectors(groups, layout, parts, offset)):
        vehicles = [owners[i] for i in run if owners[i] is not None]
        spare = SPARE_VEHICLES + sum(1 for i in run if owners[i] is None)
        vehicles += [idle.pop() for _ in range(min(spare, len(idle)))]
        if not vehicles:
            continue
        initial = {owners[i]: groups[i] for i in run if owners[i] is not None}
        tasks.extend(Task(f"{problem.name}/round-{number}-{k}",
                          tuple(s for i in run for s in groups[i]), tuple(vehicles),
                          seconds, seed=_seed(params, number, copy), initial=initial,
                          fleet=fleet_round)
                     for copy in range(copies))
    if max_tasks is not None:
        # Time for some parts only: those with stops still unassigned first.
        left_out = set(plan.unassigned)
        tasks.sort(key=lambda t: not left_out.intersection(t.stop_ids))
        tasks = tasks[:max_tasks]
    return tasks
