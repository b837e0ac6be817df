"""Returns: requesting one for a delivered order, deciding, collecting, settling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from api.deps import IfMatchDep, PageDep, SettingsDep, UowDep, caller, etag
from api.idempotent import IdempotencyKeyDep, run_idempotent
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.returns import service
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.schemas import ApproveIn, InspectionIn, RejectIn, ReturnCreate, ReturnRead

router = APIRouter(tags=["returns"])

Requester = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR)
Reader = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.DRIVER)
Decider = caller(Role.ADMIN, Role.OPERATOR)
Collector = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.DRIVER)


def _headers(ret: ReturnRead) -> dict[str, str]:
    return {"ETag": etag(ret.version), "Location": f"/returns/{ret.id}"}


def _answer(ret: ReturnRead, response: Response) -> ReturnRead:
    response.headers["ETag"] = etag(ret.version)
    return ret


@router.post("/orders/{order_id}/returns", status_code=201, response_model=ReturnRead,
             responses={409: {"description": "order not delivered, or return window closed"}})
def request_return(order_id: Id, body: ReturnCreate, request: Request, uow: UowDep,
                   settings: SettingsDep, principal: Requester,
                   idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Ask to send back delivered units, for a refund or an exchange."""
    return run_idempotent(
        request, principal, idempotency_key, body, uow,
        lambda: service.request_return(uow, order_id, body, principal,
                                       return_window=settings.return_window),
        status_code=201, headers=_headers,
    )


@router.get("/returns")
def list_returns(
    uow: UowDep,
    page: PageDep,
    principal: Reader,
    status: Annotated[list[ReturnStatus] | None, Query()] = None,
    order_id: Annotated[Id | None, Query()] = None,
) -> Page[ReturnRead]:
    items, cursor = service.list_returns(uow, principal, status=status, order_id=order_id,
                                         limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/returns/{return_id}")
def get_return(return_id: Id, uow: UowDep, principal: Reader,
               response: Response) -> ReturnRead:
    return _answer(service.get_return(uow, return_id, principal), response)


@router.post("/returns/{return_id}/approve")
def approve_return(return_id: Id, uow: UowDep, principal: Decider, if_match: IfMatchDep,
                   response: Response,
                   body: Annotated[ApproveIn | None, Body()] = None) -> ReturnRead:
    """Accept the return; it becomes a pickup stop for the dispatch loop."""
    ret = service.approve(uow, return_id, body or ApproveIn(), principal, if_match)
    return _answer(ret, response)


@router.post("/returns/{return_id}/reject")
def reject_return(return_id: Id, body: RejectIn, uow: UowDep, principal: Decider,
                  if_match: IfMatchDep, response: Response) -> ReturnRead:
    return _answer(service.reject(uow, return_id, body, principal, if_match), response)


@router.post("/returns/{return_id}/pickup")
def pick_up_return(return_id: Id, uow: UowDep, principal: Collector, if_match: IfMatchDep,
                   response: Response) -> ReturnRead:
    """The units were collected; drivers may do this only for returns assigned to them."""
    return _answer(service.mark_picked_up(uow, return_id, principal, if_match), response)


@router.post("/returns/{return_id}/receive")
def receive_return(return_id: Id, body: InspectionIn, uow: UowDep, principal: Decider,
                   if_match: IfMatchDep, response: Response) -> ReturnRead:
    """Inspection at the warehouse: each line restocked or scrapped."""
    return _answer(service.receive(uow, return_id, body, principal, if_match), response)


@router.post("/returns/{return_id}/resolve", response_model=ReturnRead,
             responses={409: {"description": "replacement stock short (shortfall per SKU)"}})
def resolve_return(return_id: Id, request: Request, uow: UowDep, principal: Decider,
                   if_match: IfMatchDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Refund the return, or place its exchange order and refund any difference."""
    return run_idempotent(request, principal, idempotency_key, None, uow,
                          lambda: service.resolve(uow, return_id, principal, if_match),
                          headers=_headers)
