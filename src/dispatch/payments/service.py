"""Payments for orders: authorise on placement, capture on delivery, void, refund.

Every provider call goes through ``_call``, keyed by a deterministic idempotency key and
recorded as a transaction row: calling capture twice (a retried request, a replayed
event) reaches the provider once and returns the stored outcome the second time.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import Conflict, NotFound
from dispatch.payments.domain import (
    Money,
    PaymentMethod,
    PaymentStatus,
    check_capture,
    check_payment_transition,
    check_refund,
    refund_status,
)
from dispatch.payments.models import Payment, PaymentTransaction
from dispatch.payments.providers import PaymentProvider, ProviderResult, provider_for

ProviderLookup = Callable[[PaymentMethod], PaymentProvider]


def _call(
    db: Session,
    payment: Payment,
    kind: str,
    amount_minor: int,
    key: str,
    call: Callable[[], ProviderResult],
    reason: str | None = None,
) -> PaymentTransaction:
    existing = db.scalars(
        select(PaymentTransaction).where(PaymentTransaction.idempotency_key == key)
    ).one_or_none()
    if existing is not None:
        return existing
    result = call()
    txn = PaymentTransaction(
        payment_id=payment.id,
        kind=kind,
        amount_minor=amount_minor,
        approved=result.approved,
        provider_reference=result.reference,
        decline_code=result.decline_code,
        reason=reason,
        idempotency_key=key,
    )
    db.add(txn)
    db.flush()
    return txn


def _set_status(payment: Payment, target: PaymentStatus) -> None:
    check_payment_transition(PaymentStatus(payment.status), target)
    payment.status = target.value


def authorise(
    db: Session,
    *,
    order_id: int,
    method: PaymentMethod,
    card_token: str | None,
    amount: Money,
    providers: ProviderLookup = provider_for,
) -> Payment:
    """Ask the provider to authorise the order's amount and record the payment.

    The order is new, so there is no earlier call to find: the provider is asked first
    and the payment is written once, with its outcome (two inserts on the hot path).
    """
    provider = providers(method)
    key = f"order:{order_id}:authorise"
    result = provider.authorise(amount, token=card_token, idempotency_key=key)
    target = PaymentStatus.AUTHORISED if result.approved else PaymentStatus.DECLINED
    check_payment_transition(PaymentStatus.PENDING, target)
    payment = Payment(
        order_id=order_id,
        method=method.value,
        provider=provider.name,
        status=target.value,
        currency=amount.currency,
        amount_minor=amount.amount_minor,
        captured_minor=0,
        refunded_minor=0,
        card_token=card_token,
        provider_reference=result.reference,
        decline_code=None if result.approved else result.decline_code,
    )
    db.add(payment)
    db.flush()
    db.add(PaymentTransaction(
        payment_id=payment.id, kind="authorise", amount_minor=amount.amount_minor,
        approved=result.approved, provider_reference=result.reference,
        decline_code=result.decline_code, idempotency_key=key,
    ))
    return payment


def capture(db: Session, payment: Payment, *, providers: ProviderLookup = provider_for) -> Payment:
    """Take the authorised amount (on delivery); capturing twice is a no-op."""
    if payment.status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED,
                          PaymentStatus.REFUNDED):
        return payment
    _set_status(payment, PaymentStatus.CAPTURED)
    if payment.amount_minor == 0:  # nothing to take (an exchange paid by returned goods)
        db.flush()
        return payment
    check_capture(payment.amount_minor, authorised_minor=payment.amount_minor)
    provider = providers(PaymentMethod(payment.method))
    key = f"payment:{payment.id}:capture"
    amount = Money(payment.amount_minor, payment.currency)
    txn = _call(db, payment, "capture", payment.amount_minor, key,
                lambda: provider.capture(payment.provider_reference, amount, idempotency_key=key))
    if not txn.approved:
        raise Conflict(f"the provider refused the capture ({txn.decline_code})", field="payment")
    payment.captured_minor = payment.amount_minor
    db.flush()
    return payment


def void(db: Session, payment: Payment, *, providers: ProviderLookup = provider_for) -> Payment:
    """Release an authorisation (on cancellation); voiding twice is a no-op."""
    if payment.status in (PaymentStatus.VOIDED, PaymentStatus.DECLINED):
        return payment
    _set_status(payment, PaymentStatus.VOIDED)
    provider = providers(PaymentMethod(payment.method))
    key = f"payment:{payment.id}:void"
    txn = _call(db, payment, "void", 0, key,
                lambda: provider.void(payment.provider_reference, idempotency_key=key))
    if not txn.approved:
        raise Conflict(f"the provider refused the void ({txn.decline_code})", field="payment")
    db.flush()
    return payment


def refund(
    db: Session,
    payment: Payment,
    amount_minor: int,
    *,
    key: str,
    reason: str | None = None,
    providers: ProviderLookup = provider_for,
) -> Payment:
    """Give back part or all of what was captured; ``key`` names this refund uniquely."""
    full_key = f"payment:{payment.id}:refund:{key}"
    if db.scalars(
        select(PaymentTransaction.id).where(PaymentTransaction.idempotency_key == full_key)
    ).first() is not None:
        return payment
    check_refund(amount_minor, captured_minor=payment.captured_minor,
                 refunded_minor=payment.refunded_minor)
    target = refund_status(payment.captured_minor, payment.refunded_minor + amount_minor)
    _set_status(payment, target)
    provider = providers(PaymentMethod(payment.method))
    amount = Money(amount_minor, payment.currency)
    txn = _call(db, payment, "refund", amount_minor, full_key,
                lambda: provider.refund(payment.provider_reference, amount,
                                        idempotency_key=full_key), reason)
    if not txn.approved:
        raise Conflict(f"the provider refused the refund ({txn.decline_code})", field="payment")
    payment.refunded_minor += amount_minor
    db.flush()
    return payment


def payment_for_order(db: Session, order_id: int, *, lock: bool = False) -> Payment:
    query = select(Payment).where(Payment.order_id == order_id)
    if lock:
        query = query.with_for_update()
    payment = db.scalars(query).one_or_none()
    if payment is None:
        raise NotFound(f"order {order_id} has no payment", field="order_id")
    return payment
