"""Solving plans off the request path: a process pool for the search, a thread to store it.

The pool is created on first use with the "spawn" start method (forking a threaded web
server can copy a held lock into the child) and reused for every plan, since starting a
process costs a second or two. The child receives the picklable ``PlanInputs`` and
``SolveParams``, rebuilds the problem and returns ``Solution.to_dict()``. A thread in
the parent waits for it and writes the result in a fresh unit of work: queued -> running
-> done, or failed with the error, whatever goes wrong (a plan never stays running).

``slots`` caps the plans queued or running in this process; beyond it a request gets 429.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy import update

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.planning.diff import plan_diff
from dispatch.planning.inputs_codec import inputs_to_dict
from dispatch.planning.models import Plan
from dispatch.planning.problem_builder import PlanInputs, build_problem, vehicle_id
from dispatch.planning.results import render_result
from dispatch.planning.solving import solve_inputs
from dispatch.routing import Solution, SolveParams, evaluate
from dispatch.routing.matrices import MatrixProvider

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, COMMITTED = "queued", "running", "done", "failed", "committed"
SPAWN_ALLOWANCE_SECONDS = 5.0


class TooManyPlans(DomainError):
    """Every planning slot of this process is taken; retry after ``retry_after_seconds``."""

    status = 429
    title = "Too many requests"
    code = "too_many_plans"


class Slots:
    """Plans queued or running in this process, each with when it should be done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[object, float] = {}
        self._idle = threading.Condition(self._lock)

    def take(self, limit: int, seconds: float) -> object:
        """A slot for a plan expected to take ``seconds``, or ``TooManyPlans``."""
        now = time.monotonic()
        with self._lock:
            if len(self._busy) >= limit:
                wait = max(1.0, min(self._busy.values()) - now)
                raise TooManyPlans(
                    f"{len(self._busy)} plans are already being solved (at most {limit} at "
                    f"once); retry in {math.ceil(wait)} s", retry_after_seconds=math.ceil(wait))
            token = object()
            self._busy[token] = now + seconds + SPAWN_ALLOWANCE_SECONDS
            return token

    def give_back(self, token: object) -> None:
        with self._lock:
            self._busy.pop(token, None)
            self._idle.notify_all()

    @property
    def in_use(self) -> int:
        with self._lock:
            return len(self._busy)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no plan is queued or running (tests, shutdown); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._busy, timeout=timeout)


slots = Slots()
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor(max_workers: int) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=max_workers,
                                        mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _discard_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def _solution(inputs: PlanInputs, params: SolveParams, max_workers: int,
              in_process: bool, travel: MatrixProvider | None = None,
              ) -> tuple[PlanInputs, Solution]:
    """The inputs finally solved (``solving.solve_inputs``) and their solution."""
    built = build_problem(inputs)
    if not built.problem.stops:  # nothing to search: no process needed
        return inputs, evaluate(built.problem, {})
    if in_process:
        solved, data = solve_inputs(inputs, params, travel)
        return solved, Solution.from_dict(data)
    pool = _executor(max_workers)
    try:
        solved, data = pool.submit(solve_inputs, inputs, params, travel).result()
    except BrokenProcessPool:
        _discard_pool(pool)
        raise
    return solved, Solution.from_dict(data)


def solve_here(inputs: PlanInputs, params: SolveParams) -> tuple[PlanInputs, Solution]:
    """Solve in this process (a Celery worker's): the inputs finally solved and the
    solution."""
    return _solution(inputs, params, 1, in_process=True)


def _set(database: Database, plan_id: int, from_status: str | tuple[str, ...],
         **values: Any) -> bool:
    """Move the plan on only from ``from_status`` (a guarded update); False otherwise."""
    allowed = (from_status,) if isinstance(from_status, str) else from_status
    with database.uow() as uow:
        done = uow.db.execute(
            update(Plan).where(Plan.id == plan_id, Plan.status.in_(allowed))
            .values(**values, version=Plan.version + 1)
        ).rowcount
        uow.commit()
    return bool(done)


Solver = Callable[[PlanInputs], tuple[PlanInputs, Solution]]
"""Turns a plan's inputs into the inputs finally used and their solution."""


def _run(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams,
         max_workers: int, token: object, solver: Solver | None = None) -> None:
    try:
        if not _set(database, plan_id, QUEUED, status=RUNNING, started_at=utcnow()):
            return
        solve_and_store(database, plan_id, inputs, solver or (
            lambda given: _solution(given, params, max_workers, in_process=False)))
    finally:
        slots.give_back(token)


def solve_and_store(database: Database, plan_id: int, inputs: PlanInputs,
                    solver: Solver) -> None:
    """Solve a running plan and store it as done, or as failed with the error, whatever
    goes wrong (a plan never stays running). The store is guarded on running, so a
    second solve of the same plan (a redelivered task) cannot overwrite the first."""
    try:
        inputs, solution = solver(inputs)
        result = render_result(inputs, build_problem(inputs), solution)
        # What the plan's map is drawn from (``plan_map``): the problem's inputs and the
        # routing core's own solution.
        result["drawing"] = {"inputs": inputs_to_dict(inputs), "solution": solution.to_dict()}
        diff = (plan_diff(inputs.stops, result)
                if any(s.driver_id is not None for s in inputs.stops) else None)
        _set(database, plan_id, RUNNING, status=DONE, result=result, diff=diff,
             finished_at=utcnow())
    except BaseException as exc:  # the plan must not stay running, whatever happened
        log.exception("plan %s failed", plan_id)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        try:
            _set(database, plan_id, (QUEUED, RUNNING), status=FAILED, error=message,
                 finished_at=utcnow())
        except Exception:
            log.exception("could not record the failure of plan %s", plan_id)


def start(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams, *,
          max_workers: int, token: object) -> threading.Thread:
    """Solve plan ``plan_id`` (already stored as queued) in the background; the slot
    ``token`` is given back when the result is stored."""
    thread = threading.Thread(target=_run, name=f"plan-{plan_id}", daemon=True,
                              args=(database, plan_id, inputs, params, max_workers, token))
    thread.start()
    return thread


def run_inline(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams, *,
               max_workers: int, token: object) -> None:
    """Solve plan ``plan_id`` here and now, in this thread and process, and store the
    result before returning: what the day simulator uses, so a simulated clock applies
    and (with ``solution_limit``) the same day gives the same plans."""
    _run(database, plan_id, inputs, params, max_workers, token,
         solver=lambda i: _solution(i, params, max_workers, in_process=True))


def inline_runner(travel: MatrixProvider | None = None):
    """``run_inline`` with legs timed by ``travel`` (e.g. a ``RoadMatrix``) rather than
    the routing default, great circle: how the simulator plans on a road network."""

    def run(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams, *,
            max_workers: int, token: object) -> None:
        _run(database, plan_id, inputs, params, max_workers, token,
             solver=lambda i: _solution(i, params, max_workers, in_process=True,
                                        travel=travel))

    return run


def fixed_routes(routes: Mapping[int, Sequence[str]], travel: MatrixProvider | None = None):
    """A runner that does not search: it times the given routes (driver id -> stop ids,
    in order) with the routing core's plan mode; other stops stay unassigned. What the
    simulator's first-come-first-served baseline dispatches with. ``travel`` as for
    ``inline_runner``."""

    def run(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams, *,
            max_workers: int, token: object) -> None:
        def timed(given: PlanInputs) -> tuple[PlanInputs, Solution]:
            problem = build_problem(given).problem
            known = {s.id for s in problem.stops}
            plan = {vehicle_id(driver): [s for s in stops if s in known]
                    for driver, stops in routes.items()}
            return given, evaluate(problem, plan,
                                   travel.matrix(problem.locations) if travel else None)

        _run(database, plan_id, inputs, params, max_workers, token, solver=timed)

    return run
