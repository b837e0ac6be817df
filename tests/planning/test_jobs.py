"""Claiming a plan's job: once per worker that begins it, failed after too many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.planning.jobs import claim, job_of
from dispatch.planning.models import Plan
from dispatch.planning.problem_builder import PlanInputs, Weights
from dispatch.planning.recovery import stuck_after
from dispatch.routing import SolveParams
from dispatch.settings import Settings

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
INPUTS = PlanInputs(origin=NOW, vehicles=(), stops=(), weights=Weights(),
                    allow_moving_dispatched=False)


def queued_plan(database, *, job: bool = True, status: str = "queued") -> int:
    with database.uow() as uow:
        plan = Plan(status=status, warehouse_ids=[], origin_at=NOW, version=1,
                    job=job_of(INPUTS, SolveParams(time_limit=3, solution_limit=7))
                    if job else None)
        uow.db.add(plan)
        uow.db.flush()
        plan_id = plan.id
        uow.commit()
    return plan_id


def row(database, plan_id):
    with database.read_uow() as uow:
        return uow.db.execute(select(Plan.status, Plan.attempts, Plan.error)
                              .where(Plan.id == plan_id)).one()


def test_a_claim_runs_the_plan_with_its_stored_inputs_and_search(database):
    plan_id = queued_plan(database)
    inputs, params = claim(database, plan_id, now=NOW)
    assert inputs == INPUTS
    assert (params.time_limit, params.solution_limit) == (3, 7)
    assert tuple(row(database, plan_id))[:2] == ("running", 1)


def test_a_running_plan_is_claimed_again_until_its_attempts_are_used_up(database):
    plan_id = queued_plan(database)
    for attempt in (1, 2, 3):
        assert claim(database, plan_id, now=NOW, max_attempts=3) is not None
        assert row(database, plan_id).attempts == attempt
    assert claim(database, plan_id, now=NOW, max_attempts=3) is None
    status, attempts, error = row(database, plan_id)
    assert (status, attempts) == ("failed", 3)
    assert error.startswith("interrupted: 3 workers stopped while solving it")


def test_finished_plans_and_plans_without_a_job_are_not_claimed(database):
    assert claim(database, queued_plan(database, status="done"), now=NOW) is None
    assert claim(database, queued_plan(database, job=False), now=NOW) is None
    assert claim(database, 7_654_321, now=NOW) is None


def test_on_workers_a_plan_is_stuck_only_after_every_attempt_could_have_waited_and_run():
    alone = stuck_after(Settings(plan_time_limit_max=60))
    queued = stuck_after(Settings(plan_time_limit_max=60, broker_url="redis://h:6379/0",
                                  broker_visibility_timeout_seconds=900))
    assert alone == timedelta(seconds=65 + 120)
    assert queued == timedelta(seconds=3 * (65 + 900) + 120)
