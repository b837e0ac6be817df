"""Reading an order's payment and refunding it by hand, for the API.

A manual refund (a goodwill gesture, a missing item) is keyed by the caller's
Idempotency-Key, in a namespace of its own so that no client key can collide with
the key a return's refund uses and silently turn that refund into a no-op.
"""

from __future__ import annotations

from dispatch.auth.service import Principal
from dispatch.db.uow import UnitOfWork
from dispatch.orders.reading import visible_order
from dispatch.payments import service as payments
from dispatch.payments.schemas import PaymentRead, RefundRequest


def get_payment(uow: UnitOfWork, order_id: int, principal: Principal) -> PaymentRead:
    with uow:
        visible_order(uow.db, order_id, principal)
        return PaymentRead.model_validate(payments.payment_for_order(uow.db, order_id))


def refund_payment(uow: UnitOfWork, order_id: int, cmd: RefundRequest, principal: Principal, *,
                   key: str) -> PaymentRead:
    """Give back ``cmd.amount_minor`` of what was captured; 409 above what is left.

    The same ``key`` refunds once: a retry returns the payment as it is.
    """
    with uow:
        db = uow.db
        visible_order(db, order_id, principal, lock=True)
        payment = payments.payment_for_order(db, order_id, lock=True)
        payments.refund(db, payment, cmd.amount_minor, key=f"manual:{key}",
                        reason=cmd.reason)
        result = PaymentRead.model_validate(payment)
        uow.commit()
        return result
