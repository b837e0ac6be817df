"""Plans: dispatchers ask for a wave to be planned, inspect the proposal and commit it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse

from api.deps import IfMatchDep, PageDep, SettingsDep, UowDep, caller, etag, get_database
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.console.page import map_headers
from dispatch.db.database import Database
from dispatch.planning import commit, service
from dispatch.planning.plan_map import plan_map_html
from dispatch.planning.schemas import PlanCreate, PlanRead, PlanStatus
from dispatch.tracking.eta import EtaLimits

router = APIRouter(prefix="/plans", tags=["plans"])

Planner = caller(Role.ADMIN, Role.DISPATCHER)
DatabaseDep = Annotated[Database, Depends(get_database)]


@router.post("", status_code=202, responses={
    404: {"description": "a warehouse or driver does not exist"},
    422: {"description": "too many stops or drivers, no driver on shift, time limit too long"},
    429: {"description": "too many plans being solved; see Retry-After"},
})
def request_plan(body: PlanCreate, database: DatabaseDep, settings: SettingsDep,
                 principal: Planner, response: Response) -> PlanRead:
    """Snapshot the ready work and queue the plan; poll ``Location`` until it is done."""
    plan = service.request_plan(database, body, principal, settings)
    response.headers["Location"] = f"/plans/{plan.id}"
    response.headers["ETag"] = etag(plan.version)
    return plan


@router.get("")
def list_plans(database: DatabaseDep, page: PageDep, principal: Planner,
               status: Annotated[list[PlanStatus] | None, Query()] = None) -> Page[PlanRead]:
    """Plans, newest first."""
    items, cursor = service.list_plans(database, status=status, limit=page.limit,
                                       after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/{plan_id}")
def get_plan(plan_id: Id, database: DatabaseDep, principal: Planner,
             response: Response) -> PlanRead:
    plan = service.get_plan(database, plan_id)
    response.headers["ETag"] = etag(plan.version)
    return plan


@router.get("/{plan_id}/map.html", response_class=HTMLResponse, include_in_schema=False)
def plan_map(plan_id: Id, database: DatabaseDep, settings: SettingsDep,
             principal: Planner) -> HTMLResponse:
    """The plan drawn as an offline map (the routing core's map: same colours as
    ``dispatch solve --map``); 409 until the plan is done."""
    html = plan_map_html(database, plan_id, tile_url=settings.map_tile_url,
                         tile_attribution=settings.map_tile_attribution or None)
    return HTMLResponse(html, headers=map_headers(settings.map_tile_url))


@router.post("/{plan_id}/commit", responses={
    409: {"description": "not done, already committed, or its data changed (see changes)"},
})
def commit_plan(plan_id: Id, uow: UowDep, settings: SettingsDep, principal: Planner,
                if_match: IfMatchDep, response: Response) -> PlanRead:
    """Publish the plan's routes to the drivers, if nothing it was built on has changed."""
    plan = commit.commit_plan(uow, plan_id, principal, if_match,
                              eta_window_minutes=settings.eta_window_min_minutes,
                              eta_limits=EtaLimits.from_settings(settings))
    response.headers["ETag"] = etag(plan.version)
    return plan
