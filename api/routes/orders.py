"""Orders: placement, reading, and the lifecycle actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import IfMatchDep, PageDep, SettingsDep, UowDep, caller, etag
from api.idempotent import IdempotencyKeyDep, run_idempotent
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page, UtcDatetime
from dispatch.fraud.schemas import ApproveIn
from dispatch.fraud.screening import Screening
from dispatch.orders import lifecycle, queries
from dispatch.orders.domain import OrderStatus
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import (
    AssignIn,
    CancelIn,
    DeliverIn,
    FailIn,
    OrderCreate,
    OrderEventRead,
    OrderRead,
    PickIn,
)

router = APIRouter(prefix="/orders", tags=["orders"])

Placer = caller(Role.ADMIN, Role.DISPATCHER)
Reader = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.DRIVER)
Picker = caller(Role.ADMIN, Role.OPERATOR)
Planner = caller(Role.ADMIN, Role.DISPATCHER)
Courier = caller(Role.ADMIN, Role.DISPATCHER, Role.DRIVER)
Reviewer = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR)


def _etag(order: OrderRead) -> dict[str, str]:
    return {"ETag": etag(order.version), "Location": f"/orders/{order.id}"}


@router.post("", status_code=201, response_model=OrderRead,
             responses={402: {"description": "payment declined"},
                        409: {"description": "insufficient stock (shortfall per SKU)"}})
def create_order(body: OrderCreate, request: Request, uow: UowDep, settings: SettingsDep,
                 principal: Placer, idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Reserve stock at the nearest warehouse that has it all, authorise payment and
    screen for fraud: a risky order is answered ``on_hold`` with its reasons (``risk``)
    and waits for ``approve`` or ``reject``."""
    return run_idempotent(
        request, principal, idempotency_key, body, uow,
        lambda: place_order(
            uow, body, principal, geocoder=request.app.state.geocoder,
            currency=settings.currency, delivery_fee_minor=settings.delivery_fee_minor,
            max_days_ahead=settings.max_window_days_ahead,
            screening=Screening.from_settings(settings),
        ),
        status_code=201, headers=_etag,
    )


@router.get("")
def list_orders(
    uow: UowDep,
    page: PageDep,
    principal: Reader,
    status: Annotated[list[OrderStatus] | None, Query()] = None,
    warehouse_id: Annotated[Id | None, Query()] = None,
    customer_id: Annotated[Id | None, Query()] = None,
    customer_email: Annotated[str | None, Query(max_length=254)] = None,
    window_from: Annotated[UtcDatetime | None, Query()] = None,
    window_to: Annotated[UtcDatetime | None, Query()] = None,
) -> Page[OrderRead]:
    items, cursor = queries.list_orders(
        uow, principal, status=status, warehouse_id=warehouse_id, customer_id=customer_id,
        customer_email=customer_email, window_from=window_from, window_to=window_to,
        limit=page.limit, after=page.after,
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/{order_id}")
def get_order(order_id: Id, uow: UowDep, principal: Reader, response: Response) -> OrderRead:
    order = queries.get_order(uow, order_id, principal)
    response.headers["ETag"] = etag(order.version)
    return order


@router.get("/{order_id}/events")
def order_events(order_id: Id, uow: UowDep, principal: Reader) -> list[OrderEventRead]:
    return queries.order_events(uow, order_id, principal)


@router.post("/{order_id}/cancel", response_model=OrderRead)
def cancel_order(order_id: Id, body: CancelIn, request: Request, uow: UowDep,
                 principal: Planner, if_match: IfMatchDep,
                 idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Release the stock and void the payment; only before the order is out for delivery."""
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: lifecycle.cancel(uow, order_id, body, principal, if_match),
                          headers=_etag)


@router.post("/{order_id}/approve")
def approve_order(order_id: Id, body: ApproveIn, uow: UowDep, principal: Reviewer,
                  if_match: IfMatchDep, response: Response) -> OrderRead:
    """Release an order held by fraud screening: it goes on as confirmed."""
    order = lifecycle.approve(uow, order_id, body, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/{order_id}/reject")
def reject_order(order_id: Id, body: CancelIn, uow: UowDep, principal: Reviewer,
                 if_match: IfMatchDep, response: Response) -> OrderRead:
    """Cancel an order held by fraud screening: stock released, payment voided."""
    order = lifecycle.reject(uow, order_id, body, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/{order_id}/pick")
def pick_order(order_id: Id, body: PickIn, uow: UowDep, principal: Picker,
               if_match: IfMatchDep, response: Response) -> OrderRead:
    """Scanned lines must match the order exactly; a mismatch is refused and counted."""
    order = lifecycle.pick(uow, order_id, body, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/{order_id}/assign")
def assign_order(order_id: Id, body: AssignIn, uow: UowDep, principal: Planner,
                 if_match: IfMatchDep, response: Response) -> OrderRead:
    order = lifecycle.assign(uow, order_id, body, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/{order_id}/depart")
def depart(order_id: Id, uow: UowDep, principal: Courier, if_match: IfMatchDep,
           response: Response) -> OrderRead:
    order = lifecycle.depart(uow, order_id, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/{order_id}/deliver", response_model=OrderRead)
def deliver(order_id: Id, body: DeliverIn, request: Request, uow: UowDep, principal: Courier,
            if_match: IfMatchDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Hand-over: ships the stock and captures the payment."""
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: lifecycle.deliver(uow, order_id, body, principal, if_match),
                          headers=_etag)


@router.post("/{order_id}/fail")
def fail_delivery(order_id: Id, body: FailIn, uow: UowDep, principal: Courier,
                  if_match: IfMatchDep, response: Response) -> OrderRead:
    order = lifecycle.fail(uow, order_id, body, principal, if_match)
    response.headers["ETag"] = etag(order.version)
    return order
