"""Asking for a plan and reading plans.

A request takes the snapshot in one transaction, checks the caps (stops, drivers, plans
in flight) before anything is queued, stores the plan as queued and hands it to the
worker. Reading serves the stored result; the solve itself never runs on a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from dispatch.auth.service import Principal
from dispatch.common.schemas import page_of
from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.db.paging import keyset
from dispatch.errors import Invalid, NotFound
from dispatch.planning import jobs, worker
from dispatch.planning.doorstep import DoorstepTime
from dispatch.planning.models import Plan
from dispatch.planning.problem_builder import PlanInputs, Weights, build_problem
from dispatch.planning.schemas import PlanCreate, PlanRead
from dispatch.planning.snapshot import take_snapshot
from dispatch.routing import SolveParams
from dispatch.settings import Settings


class PlanRunner(Protocol):
    """Solves a stored, queued plan (``worker.start``, ``worker.run_inline``)."""

    def __call__(self, database: Database, plan_id: int, inputs: PlanInputs,
                 params: SolveParams, *, max_workers: int, token: object) -> object: ...


def plan_read(plan: Plan) -> PlanRead:
    result = plan.result or {}
    return PlanRead(
        id=plan.id, status=plan.status, warehouse_ids=plan.warehouse_ids,
        driver_ids=plan.driver_ids, params=plan.params, origin_at=plan.origin_at,
        routes=result.get("routes", []), unassigned=result.get("unassigned", []),
        kpis=result.get("kpis") or None, diff=plan.diff, error=plan.error,
        created_at=plan.created_at,
        started_at=plan.started_at, finished_at=plan.finished_at,
        committed_at=plan.committed_at, version=plan.version,
    )


def _time_limit(cmd: PlanCreate, settings: Settings) -> float:
    if cmd.time_limit_seconds is None:
        return settings.plan_time_limit_default
    if cmd.time_limit_seconds > settings.plan_time_limit_max:
        raise Invalid(f"time_limit_seconds may be at most {settings.plan_time_limit_max:g}",
                      field="time_limit_seconds", maximum=settings.plan_time_limit_max)
    return cmd.time_limit_seconds


def _check_caps(inputs: PlanInputs, settings: Settings) -> None:
    stops, drivers = len(inputs.stops), len(inputs.vehicles)
    if drivers > settings.plan_max_drivers:
        raise Invalid(f"the plan would have {drivers} drivers; at most "
                      f"{settings.plan_max_drivers} are allowed", field="driver_ids",
                      drivers=drivers, maximum=settings.plan_max_drivers)
    if stops > settings.plan_max_stops:
        raise Invalid(f"the plan would have {stops} stops; at most {settings.plan_max_stops} "
                      "are allowed (plan fewer warehouses at once)", field="warehouse_ids",
                      stops=stops, maximum=settings.plan_max_stops)


def _opens_before(cmd: PlanCreate, now: datetime) -> datetime | None:
    if cmd.horizon_minutes is None:
        return None
    return now + timedelta(minutes=cmd.horizon_minutes)


def runner_for(settings: Settings) -> PlanRunner:
    """Celery workers when a broker is set (``dispatch worker``), else this process's
    own pool (``worker.start``)."""
    if not settings.broker_url:
        return worker.start
    from dispatch.workers.celery_app import SOLVE_PLAN, make_celery

    app = make_celery(settings)
    return jobs.queue_runner(lambda plan_id: app.send_task(SOLVE_PLAN, args=[plan_id]))


def request_plan(database: Database, cmd: PlanCreate, principal: Principal, settings: Settings,
                 *, now: datetime | None = None, runner: PlanRunner | None = None
                 ) -> PlanRead:
    """Snapshot, check and queue a plan; the answer is the queued plan (status queued).
    ``runner`` solves it: by default as ``runner_for`` the settings says, in the
    background; ``worker.run_inline`` before returning (the day simulator)."""
    runner = runner or runner_for(settings)
    time_limit = _time_limit(cmd, settings)
    now = now or utcnow()
    with database.uow() as uow:
        snapshot = take_snapshot(uow.db, warehouse_ids=cmd.warehouse_ids,
                                 driver_ids=cmd.driver_ids, now=now,
                                 doorstep=DoorstepTime.from_settings(settings),
                                 opens_before=_opens_before(cmd, now))
        weights = Weights(**cmd.weights.model_dump())
        inputs = PlanInputs(origin=now, vehicles=snapshot.vehicles, stops=snapshot.stops,
                            weights=weights, allow_moving_dispatched=cmd.allow_moving_dispatched,
                            serve_late=cmd.serve_late, depart_now=cmd.depart_now,
                            close_margin=timedelta(minutes=cmd.close_margin_minutes))
        _check_caps(inputs, settings)
        build_problem(inputs)  # refuse now what the worker could not build
        token = worker.slots.take(settings.plan_max_concurrent, time_limit)
        try:
            plan = Plan(status=worker.QUEUED, warehouse_ids=list(cmd.warehouse_ids),
                        driver_ids=[v.driver_id for v in inputs.vehicles],
                        params={"time_limit_seconds": time_limit, "objective": cmd.objective,
                                "weights": cmd.weights.model_dump(),
                                "allow_moving_dispatched": cmd.allow_moving_dispatched,
                                "serve_late": cmd.serve_late, "depart_now": cmd.depart_now,
                                "close_margin_minutes": cmd.close_margin_minutes,
                                "horizon_minutes": cmd.horizon_minutes,
                                "driver_ids_requested": cmd.driver_ids},
                        origin_at=now, snapshot=snapshot.versions,
                        requested_by_user_id=principal.user_id, version=1)
            uow.db.add(plan)
            uow.db.flush()
            read = plan_read(plan)
            uow.commit()
            runner(database, plan.id, inputs,
                   SolveParams(time_limit=time_limit, objective=cmd.objective,
                               solution_limit=settings.plan_solution_limit),
                   max_workers=settings.plan_max_concurrent, token=token)
        except BaseException:
            worker.slots.give_back(token)
            raise
    return read


def get_plan(database: Database, plan_id: int) -> PlanRead:
    with database.uow() as uow:
        plan = uow.db.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"plan {plan_id} does not exist", field="plan_id")
        return plan_read(plan)


def list_plans(database: Database, *, status: list[str] | None, limit: int,
               after: int | None) -> tuple[list[PlanRead], str | None]:
    """Plans, newest first."""
    with database.uow() as uow:
        query = keyset(select(Plan), Plan.id, limit=limit, after=after, descending=True)
        if status:
            query = query.where(Plan.status.in_(status))
        rows = [plan_read(p) for p in uow.db.scalars(query)]
    return page_of(rows, limit)
