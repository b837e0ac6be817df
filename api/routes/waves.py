"""Automatic waves: each warehouse's batch policy, and the board dispatchers watch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import SettingsDep, UowDep, caller, get_database
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id
from dispatch.db.database import Database
from dispatch.planning import waves
from dispatch.planning.wave_schemas import BatchPolicyIn, BatchPolicyRead, WaveBoard

router = APIRouter(tags=["waves"])

Planner = caller(Role.ADMIN, Role.DISPATCHER)
DatabaseDep = Annotated[Database, Depends(get_database)]


@router.get("/warehouses/{warehouse_id}/batch-policy")
def get_batch_policy(warehouse_id: Id, uow: UowDep, principal: Planner) -> BatchPolicyRead:
    return waves.get_policy(uow, warehouse_id)


@router.put("/warehouses/{warehouse_id}/batch-policy", responses={
    404: {"description": "the warehouse does not exist"},
    422: {"description": "an unknown kind, or a key the kind does not take (named in field)"},
})
def set_batch_policy(warehouse_id: Id, body: BatchPolicyIn, uow: UowDep,
                     principal: Planner) -> BatchPolicyRead:
    """How the warehouse gathers waves: ``on_demand`` (only ``POST /plans``), ``periodic``
    (``every_minutes``) or ``threshold`` (``min_ready`` and/or ``max_wait_minutes``)."""
    return waves.set_policy(uow, warehouse_id, body)


@router.get("/waves")
def wave_board(database: DatabaseDep, settings: SettingsDep, principal: Planner) -> WaveBoard:
    """Per warehouse: its policy, the work waiting, whether a wave is due and why, and the
    work that can no longer make its window."""
    return waves.wave_board(database, settings)
