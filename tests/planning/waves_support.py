"""Shortcuts for wave tests: settings, policies, plan rows written directly, board rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dispatch.db.database import Database
from dispatch.planning import waves
from dispatch.planning.models import Plan
from dispatch.planning.wave_schemas import BatchPolicyIn, WaveStatus
from dispatch.settings import Settings

EMPTY_SNAPSHOT = {"orders": {}, "returns": {}, "shifts": {}, "routes": {}}
EMPTY_RESULT = {"routes": [], "unassigned": [], "kpis": {}}


def wave_settings(database: Database, **overrides: Any) -> Settings:
    values = {"database_url": str(database.engine.url), "migrate_on_start": False,
              "environment": "test", "relay_enabled": False, "wave_scheduler_enabled": False}
    return Settings(**{**values, **overrides})


def set_policy(database: Database, warehouse_id: int, **config: Any) -> None:
    waves.set_policy(database.uow(), warehouse_id, BatchPolicyIn.model_validate(config))


def plan_row(database: Database, warehouse_ids: list[int], status: str, *,
             created_at: datetime | None = None, wave: dict | None = None,
             snapshot: dict | None = None, origin_at: datetime | None = None) -> int:
    """A plan written directly (no solve); ``wave`` makes it an automatic wave's plan."""
    created_at = created_at or datetime.now(UTC)
    with database.uow() as uow:
        plan = Plan(status=status, warehouse_ids=warehouse_ids, driver_ids=[],
                    params={} if wave is None else {"wave": wave},
                    origin_at=origin_at or created_at,
                    snapshot=snapshot if snapshot is not None else EMPTY_SNAPSHOT,
                    result=EMPTY_RESULT if status in ("done", "committed") else None,
                    created_at=created_at, version=1)
        uow.db.add(plan)
        uow.db.flush()
        plan_id = plan.id
        uow.commit()
    return plan_id


def read_plan(database: Database, plan_id: int) -> Plan:
    with database.uow() as uow:
        plan = uow.db.get(Plan, plan_id)
        uow.db.expunge(plan)  # readable after the unit of work rolls back
        return plan


def entry(database: Database, warehouse_id: int, *, now: datetime,
          settings: Settings | None = None) -> WaveStatus:
    """The board row of one warehouse at ``now``."""
    settings = settings or wave_settings(database)
    board = waves.wave_board(database, settings, now=now)
    (row,) = [w for w in board.warehouses if w.warehouse_id == warehouse_id]
    return row
