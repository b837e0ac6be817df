"""Committing automatic waves once their plans are done.

An automatic wave's plan carries ``params["wave"]`` (why it started, whether to commit it).
When it is done, the scheduler commits it as ``SYSTEM``, like a dispatcher would. A commit
that is refused (its orders, shifts or routes changed meanwhile, or it was solved too long
ago) leaves the plan done for a dispatcher to look at: the refusal is written to
``params["wave"]["commit_refused"]`` and logged, and the plan is not tried again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.planning.commit import commit_plan
from dispatch.planning.models import Plan
from dispatch.planning.worker import DONE
from dispatch.settings import Settings
from dispatch.tracking.eta import EtaLimits

log = logging.getLogger(__name__)

WAVE = "wave"
SYSTEM = Principal(user_id=None, name="wave scheduler", role=Role.DISPATCHER)
"""Who starts and commits automatic waves: no user, so history shows no person."""


def _candidates(database: Database, now: datetime) -> list[tuple[int, dict[str, Any], datetime]]:
    """Done automatic waves not yet committed nor refused: ``(id, params, origin_at)``.
    Only plans without a requesting user can be automatic, which keeps the scan short."""
    horizon = now - timedelta(days=1)
    with database.uow() as uow:
        rows = uow.db.execute(
            select(Plan.id, Plan.params, Plan.origin_at)
            .where(Plan.status == DONE, Plan.requested_by_user_id.is_(None),
                   Plan.created_at >= horizon).order_by(Plan.id)).all()
    return [(plan_id, params, origin) for plan_id, params, origin in rows
            if isinstance((params or {}).get(WAVE), dict)
            and params[WAVE].get("auto_commit", True)
            and "commit_refused" not in params[WAVE]]


def _refuse(database: Database, plan_id: int, params: dict[str, Any], why: str) -> None:
    """Record why the wave was not committed; only while it is still done (another
    process may just have committed it)."""
    marked = {**params, WAVE: {**params[WAVE], "commit_refused": why[:1000]}}
    with database.uow() as uow:
        uow.db.execute(update(Plan).where(Plan.id == plan_id, Plan.status == DONE)
                       .values(params=marked, version=Plan.version + 1))
        uow.commit()
    log.warning("automatic wave plan %s left for a dispatcher: %s", plan_id, why)


def commit_finished_waves(database: Database, settings: Settings, *,
                          now: datetime) -> list[int]:
    """Commit every done automatic wave; returns the plans committed."""
    max_age = timedelta(minutes=settings.wave_auto_commit_max_age_minutes)
    committed = []
    for plan_id, params, origin in _candidates(database, now):
        if now - origin > max_age:
            _refuse(database, plan_id, params, f"solved at {origin.isoformat()}, more than "
                    f"{settings.wave_auto_commit_max_age_minutes:g} min ago; plan again")
            continue
        try:
            commit_plan(database.uow(), plan_id, SYSTEM,
                        eta_window_minutes=settings.eta_window_min_minutes, now=now,
                        eta_limits=EtaLimits.from_settings(settings))
        except DomainError as error:
            with database.uow() as uow:
                status = uow.db.scalar(select(Plan.status).where(Plan.id == plan_id))
            if status == DONE:
                changes = error.extra.get("changes")
                _refuse(database, plan_id, params,
                        f"{error.detail}: {changes}" if changes else error.detail)
        except Exception:  # a database hiccup: tried again on the next pass
            log.exception("could not commit automatic wave plan %s", plan_id)
        else:
            committed.append(plan_id)
            log.info("automatic wave plan %s committed", plan_id)
    return committed
