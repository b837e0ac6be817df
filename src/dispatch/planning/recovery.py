"""Failing plans that no process will ever finish, so no plan stays queued or running.

Plans are solved by threads of the API process that queued them (``worker``); if that
process stops, its plans would stay queued or running for ever, and a warehouse with a
plan in flight never gets another automatic wave. Two rules find them:

* at start-up (``fail_interrupted_plans``): every plan still queued or running that was
  created before this process started belonged to a process that has gone. This is only
  true while one API process uses the database: a second process starting next to a busy
  one would fail the busy one's plans, so such deployments turn
  ``plan_recovery_on_start`` off, or solve on Celery workers (``broker_url``), where a
  plan outlives the API process that queued it and this rule does not apply.
* at any time (``fail_stuck_plans``, run by the wave scheduler): a plan still unfinished
  well after the longest search any process may run cannot be alive in any process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.planning.jobs import MAX_ATTEMPTS
from dispatch.planning.models import Plan
from dispatch.planning.worker import FAILED, QUEUED, RUNNING, SPAWN_ALLOWANCE_SECONDS
from dispatch.settings import Settings

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the planning process stopped before it finished"
STUCK_MARGIN = timedelta(minutes=2)
"""Beyond the longest search: building the problem, storing the result, a busy database."""

PROCESS_STARTED_AT = utcnow()
"""When this module was imported. The API imports it before it serves a request, so every
plan this process creates is younger; anything older came from an earlier process."""


def _fail(database: Database, condition, error: str, *, now: datetime) -> list[int]:
    """Fail the unfinished plans matching ``condition`` with a guarded update (a plan that
    finishes meanwhile keeps its result); returns their ids."""
    with database.uow() as uow:
        ids = list(uow.db.scalars(select(Plan.id).where(
            Plan.status.in_((QUEUED, RUNNING)), condition).order_by(Plan.id)))
        if not ids:
            return []
        failed = list(uow.db.scalars(
            update(Plan).where(Plan.id.in_(ids), Plan.status.in_((QUEUED, RUNNING)))
            .values(status=FAILED, error=error, finished_at=now, version=Plan.version + 1)
            .returning(Plan.id)))
        uow.commit()
    return sorted(failed)


def fail_interrupted_plans(database: Database, *, created_before: datetime = PROCESS_STARTED_AT,
                           now: datetime | None = None) -> list[int]:
    """At start-up: fail the plans queued or running since before ``created_before``."""
    failed = _fail(database, Plan.created_at < created_before, INTERRUPTED, now=now or utcnow())
    if failed:
        log.warning("marked %d plans interrupted by a restart as failed: %s", len(failed), failed)
    return failed


def stuck_after(settings: Settings) -> timedelta:
    """How long after it was queued a plan can no longer be alive in any process. On
    workers (a broker set), a plan may also wait for a worker whose predecessor vanished,
    for the broker's visibility timeout, on each of its attempts."""
    search = settings.plan_time_limit_max + SPAWN_ALLOWANCE_SECONDS
    if settings.broker_url:
        search = MAX_ATTEMPTS * (search + settings.broker_visibility_timeout_seconds)
    return timedelta(seconds=search) + STUCK_MARGIN


def fail_stuck_plans(database: Database, settings: Settings, *, now: datetime) -> list[int]:
    """Fail the plans still queued or running ``stuck_after`` after they were created."""
    limit = stuck_after(settings)
    error = f"{INTERRUPTED} (unfinished {limit.total_seconds():.0f} s after it was queued)"
    failed = _fail(database, Plan.created_at < now - limit, error, now=now)
    if failed:
        log.warning("marked %d stuck plans as failed: %s", len(failed), failed)
    return failed
