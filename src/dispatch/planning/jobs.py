"""Plans solved by worker processes elsewhere: the job kept with the plan, and claiming it.

A worker may be killed mid-solve (``kill -9``, a lost machine). The broker then hands the
task to another worker (Celery with late acknowledgement), which claims the plan again;
``attempts`` counts the claims, and a plan claimed ``max_attempts`` times is failed with a
clear error instead of being tried for ever. Storing is guarded on ``running`` and commit
needs ``done`` (``commit``), so however many workers solve a plan, it is stored once and
committed at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.planning.inputs_codec import inputs_from_dict, inputs_to_dict
from dispatch.planning.models import Plan
from dispatch.planning.problem_builder import PlanInputs
from dispatch.planning.worker import FAILED, QUEUED, RUNNING, slots
from dispatch.routing import SolveParams

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def job_of(inputs: PlanInputs, params: SolveParams) -> dict[str, Any]:
    """What is stored for a worker: the plan's inputs and how to search."""
    return {"inputs": inputs_to_dict(inputs), "params": asdict(params)}


def claim(database: Database, plan_id: int, *, now: datetime,
          max_attempts: int = MAX_ATTEMPTS) -> tuple[PlanInputs, SolveParams] | None:
    """Take a queued plan (or a running one whose worker was lost) to solve here; None
    when it is finished, unknown, has no job, or has used up its attempts (then failed)."""
    with database.uow() as uow:
        plan = uow.db.scalars(select(Plan).where(Plan.id == plan_id).with_for_update()).first()
        if plan is None or plan.status not in (QUEUED, RUNNING) or plan.job is None:
            return None
        plan.version += 1
        if plan.attempts >= max_attempts:
            plan.status, plan.finished_at = FAILED, now
            plan.error = (f"interrupted: {plan.attempts} workers stopped while solving it; "
                          "not tried again")
            uow.commit()
            return None
        plan.attempts += 1
        plan.status, plan.started_at = RUNNING, now
        job = plan.job
        uow.commit()
    return inputs_from_dict(job["inputs"]), SolveParams(**job["params"])


class PlanningUnavailable(DomainError):
    """The broker could not be reached: the plan was not queued (and is failed)."""

    status = 503
    title = "Service unavailable"
    code = "planning_unavailable"


def queue_runner(send: Callable[[int], object]) -> Callable[..., None]:
    """A plan runner (``service.PlanRunner``) that keeps the job with the plan and sends
    its id to the workers with ``send``; the API process's slot is free at once."""

    def run(database: Database, plan_id: int, inputs: PlanInputs, params: SolveParams, *,
            max_workers: int, token: object) -> None:
        try:
            with database.uow() as uow:
                uow.db.execute(update(Plan).where(Plan.id == plan_id)
                               .values(job=job_of(inputs, params)))
                uow.commit()
            try:
                send(plan_id)
            except Exception as exc:
                log.exception("could not queue plan %s", plan_id)
                with database.uow() as uow:
                    uow.db.execute(update(Plan).where(Plan.id == plan_id, Plan.status == QUEUED)
                                   .values(status=FAILED, error=f"not queued: {exc}"[:2000],
                                           finished_at=utcnow(), version=Plan.version + 1))
                    uow.commit()
                raise PlanningUnavailable("the planning queue cannot be reached; retry later",
                                          field=None, plan_id=plan_id) from None
        finally:
            slots.give_back(token)

    return run
