"""The dispatcher page at ``/``, its static files, and the snapshot it draws."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import ReadUowDep, SettingsDep, caller
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id
from dispatch.console.page import page_headers, render_dispatcher, static_file
from dispatch.console.schemas import ConsoleSnapshot
from dispatch.console.snapshot import snapshot
from dispatch.errors import NotFound

router = APIRouter(tags=["console"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dispatcher_page(settings: SettingsDep) -> HTMLResponse:
    """The map page; it asks for a dispatcher token and calls the API with it."""
    html = render_dispatcher(tile_url=settings.map_tile_url,
                             tile_attribution=settings.map_tile_attribution)
    return HTMLResponse(html, headers=page_headers(settings.map_tile_url))


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        raise NotFound(f"no static file {name!r}", field="name")
    content, media_type = found
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=3600",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/console/snapshot")
def console_snapshot(uow: ReadUowDep, _: caller(Role.ADMIN, Role.DISPATCHER),
                     warehouse_id: Annotated[Id | None, Query()] = None) -> ConsoleSnapshot:
    """Warehouses, open and recent orders, drivers where they are and the active routes
    with their stops and KPIs: what the dispatcher map draws."""
    return snapshot(uow, warehouse_id=warehouse_id)
