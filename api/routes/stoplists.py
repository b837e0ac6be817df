"""Drivers' stop lists and stop events: arrived, completed with proof, failed.

Drivers work on their own active route under ``/drivers/me``; a stop on someone else's
route answers 404, as if it did not exist. Dispatchers read any route under ``/routes``
and the proofs under ``/stops``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import StringConstraints

from api.deps import PageDep, SettingsDep, UowDep, caller, etag
from api.idempotent import IdempotencyKeyDep, run_idempotent
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.settings import Settings
from dispatch.stoplists import departure, events, proofs, reading
from dispatch.stoplists.media import SIGNATURES
from dispatch.stoplists.schemas import (
    ArrivedIn,
    CompletedIn,
    FailedIn,
    ProofRead,
    RouteRead,
    StopEventResult,
)
from dispatch.tracking.eta import EtaLimits

router = APIRouter(tags=["stops"])

Driver = caller(Role.DRIVER)
Dispatcher = caller(Role.ADMIN, Role.DISPATCHER)
Staff = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR)

RouteStatusText = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,16}$")]

_IMAGE_BODY = {"requestBody": {"required": True, "content": {
    media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in SIGNATURES
}}}


def _rules(settings: Settings) -> events.StopRules:
    return events.StopRules(
        far_meters=settings.completion_far_meters,
        position_max_age=timedelta(minutes=settings.stop_position_max_age_minutes),
        eta_limits=EtaLimits.from_settings(settings),
    )


def _route_etag(route: RouteRead) -> dict[str, str]:
    return {"ETag": etag(route.version)}


def _event_etag(result: StopEventResult) -> dict[str, str]:
    return {"ETag": etag(result.route_version)}


@router.get("/drivers/me/route")
def my_route(uow: UowDep, principal: Driver, response: Response) -> RouteRead:
    """Your active route: the warehouse and the stops in order, with what to hand over or
    collect, cash to take, and live ETAs. 404 when you have no active route."""
    route = reading.my_route(uow, principal.driver_id)
    response.headers["ETag"] = etag(route.version)
    return route


@router.post("/drivers/me/route/depart", response_model=RouteRead,
             responses={409: {"description": "the route already departed"}})
def depart(request: Request, uow: UowDep, settings: SettingsDep, principal: Driver,
           idempotency_key: IdempotencyKeyDep = None) -> Response:
    """You have loaded and left: every planned order on your route is out for delivery."""
    return run_idempotent(request, principal, idempotency_key, None, uow,
                          lambda: departure.depart(uow, principal,
                                                   eta_limits=EtaLimits.from_settings(settings)),
                          headers=_route_etag)


@router.post("/drivers/me/stops/{stop_id}/arrived", response_model=StopEventResult,
             responses={409: {"description": "the stop is already finished"}})
def arrived(stop_id: Id, request: Request, uow: UowDep, settings: SettingsDep,
            principal: Driver, body: Annotated[ArrivedIn | None, Body()] = None,
            idempotency_key: IdempotencyKeyDep = None) -> Response:
    """You are at the stop (departs the route if you had not said so)."""
    cmd = body or ArrivedIn()
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: events.arrive(uow, principal, stop_id, cmd,
                                                rules=_rules(settings)),
                          headers=_event_etag)


@router.post("/drivers/me/stops/{stop_id}/completed", response_model=StopEventResult,
             responses={409: {"description": "the stop is already finished"}})
def completed(stop_id: Id, body: CompletedIn, request: Request, uow: UowDep,
              settings: SettingsDep, principal: Driver,
              idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Handed over (the order is delivered, its payment captured) or units collected (the
    return is picked up). A delivery needs ``recipient_name``."""
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: events.complete(uow, principal, stop_id, body,
                                                  rules=_rules(settings)),
                          headers=_event_etag)


@router.post("/drivers/me/stops/{stop_id}/failed", response_model=StopEventResult,
             responses={409: {"description": "the stop is already finished"}})
def failed(stop_id: Id, body: FailedIn, request: Request, uow: UowDep, settings: SettingsDep,
           principal: Driver, idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Not possible this time: the order (or return) goes back for the next wave."""
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: events.fail(uow, principal, stop_id, body,
                                              rules=_rules(settings)),
                          headers=_event_etag)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.put("/drivers/me/stops/{stop_id}/proof", openapi_extra=_IMAGE_BODY,
            responses={409: {"description": "the stop is not completed, or has another proof"},
                       413: {"description": "larger than the proof size limit"},
                       415: {"description": "not a PNG, JPEG or WebP image"}})
def upload_proof(stop_id: Id, uow: UowDep, principal: Driver,
                 content: Annotated[bytes, Depends(_raw_body)],
                 content_type: Annotated[str | None, Header(max_length=200)] = None) -> ProofRead:
    """A signature or photo for a completed stop; sending the same bytes again is fine."""
    return proofs.upload_proof(uow, principal, stop_id, content_type, content)


@router.get("/routes")
def list_routes(uow: UowDep, page: PageDep, principal: Dispatcher,
                driver_id: Annotated[Id | None, Query()] = None,
                status: Annotated[list[RouteStatusText] | None, Query()] = None,
                ) -> Page[RouteRead]:
    """Routes, newest first, with their stop lists and far-from-stop flags."""
    items, cursor = reading.list_routes(uow, driver_id=driver_id, status=status,
                                        limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/routes/{route_id}")
def get_route(route_id: Id, uow: UowDep, principal: Dispatcher,
              response: Response) -> RouteRead:
    route = reading.get_route(uow, route_id)
    response.headers["ETag"] = etag(route.version)
    return route


@router.get("/stops/{stop_id}/proof")
def get_proof(stop_id: Id, uow: UowDep, principal: Staff) -> ProofRead:
    """Who took the parcel, and the uploaded signature or photo's type, size and SHA-256."""
    return proofs.get_proof(uow, stop_id)


@router.get("/stops/{stop_id}/proof/content", response_class=Response,
            responses={200: {"content": {mt: {} for mt in SIGNATURES},
                             "description": "the uploaded image"}})
def get_proof_content(stop_id: Id, uow: UowDep, principal: Staff) -> Response:
    proof = proofs.proof_content(uow, stop_id)
    return Response(proof.content, media_type=proof.media_type,
                    headers={"X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, no-store"})
