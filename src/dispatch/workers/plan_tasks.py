"""The planning task a worker runs: claim the stored plan, solve it here, store it."""

from __future__ import annotations

import logging
from functools import lru_cache

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.planning.jobs import claim
from dispatch.planning.worker import solve_and_store, solve_here
from dispatch.settings import get_settings
from dispatch.workers.celery_app import SOLVE_PLAN, celery_app

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _database() -> Database:
    """This worker process's database, opened on its first task (after the fork)."""
    return Database.from_settings(get_settings())


def solve_plan(plan_id: int, database: Database | None = None) -> None:
    """Solve plan ``plan_id`` in this process, if it still needs solving."""
    database = database or _database()
    claimed = claim(database, plan_id, now=utcnow())
    if claimed is None:
        log.info("plan %s needs no solving here", plan_id)
        return
    inputs, params = claimed
    solve_and_store(database, plan_id, inputs, lambda given: solve_here(given, params))


celery_app().task(name=SOLVE_PLAN)(solve_plan)
