"""An order's payment: reading it, and refunding part of it by hand."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from api.deps import UowDep, caller
from api.idempotent import IdempotencyKeyDep, run_idempotent
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id
from dispatch.payments import actions
from dispatch.payments.schemas import PaymentRead, RefundRequest

router = APIRouter(prefix="/orders", tags=["payments"])

Reader = caller(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR)
Refunder = caller(Role.ADMIN)


@router.get("/{order_id}/payment")
def get_payment(order_id: Id, uow: UowDep, principal: Reader) -> PaymentRead:
    return actions.get_payment(uow, order_id, principal)


@router.post("/{order_id}/payment/refund", response_model=PaymentRead,
             responses={409: {"description": "more than the refundable remainder"}})
def refund_payment(order_id: Id, body: RefundRequest, request: Request, uow: UowDep,
                   principal: Refunder, idempotency_key: IdempotencyKeyDep = None) -> Response:
    """Refund part of what was captured; send an Idempotency-Key so a retry cannot pay twice."""
    key = idempotency_key or uuid.uuid4().hex
    return run_idempotent(request, principal, idempotency_key, body, uow,
                          lambda: actions.refund_payment(uow, order_id, body, principal, key=key))
