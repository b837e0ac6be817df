"""Receiving returned units and settling the return: a refund or an exchange.

Receiving records the inspection per line; restocked units re-enter the warehouse's
books through the ledger, scrapped ones never do. Resolving pays the customer back
through the order's payment (keyed by the return, so it can happen only once) or places
a replacement order that is reserved like any other and paid for by the returned goods.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid, PaymentDeclined
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import OrderStatus
from dispatch.orders.history import record_status
from dispatch.orders.models import Order, OrderLine
from dispatch.orders.placement import reserve_nearest
from dispatch.payments import service as payments
from dispatch.payments.domain import Money, PaymentMethod, PaymentStatus
from dispatch.payments.models import Payment
from dispatch.returns.domain import (
    InspectionOutcome,
    Resolution,
    ReturnReason,
    ReturnStatus,
    refund_amount,
)
from dispatch.returns.models import Return
from dispatch.returns.reading import load_for_change, units_in_returns
from dispatch.returns.requests import finish, move_to
from dispatch.returns.schemas import InspectionIn, ReturnRead
from dispatch.stock.domain import MovementKind, sum_lines
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku

SETTLED = frozenset({ReturnStatus.REFUNDED.value, ReturnStatus.EXCHANGED.value})


def _outcomes(ret: Return, cmd: InspectionIn) -> dict[int, InspectionOutcome]:
    """Outcome per return line; every line exactly once, or 422 naming the culprit."""
    expected = {line.id for line in ret.lines}
    outcomes: dict[int, InspectionOutcome] = {}
    for i, line in enumerate(cmd.lines):
        if line.return_line_id not in expected:
            raise Invalid(f"line {line.return_line_id} is not part of return {ret.id}",
                          field=f"lines[{i}].return_line_id")
        if line.return_line_id in outcomes:
            raise Invalid(f"line {line.return_line_id} is inspected twice",
                          field=f"lines[{i}].return_line_id")
        outcomes[line.return_line_id] = line.outcome
    missing = sorted(expected - outcomes.keys())
    if missing:
        raise Invalid(f"return lines {missing} were not inspected", field="lines",
                      missing=missing)
    return outcomes


def receive(uow: UnitOfWork, return_id: int, cmd: InspectionIn, principal: Principal,
            expected_version: int | None = None) -> ReturnRead:
    """The units are at the warehouse: restock what can be sold again, scrap the rest."""
    with uow:
        db = uow.db
        ret = load_for_change(db, return_id, principal, expected_version)
        move_to(ret, ReturnStatus.RECEIVED)
        outcomes = _outcomes(ret, cmd)
        # Ascending SKU order, as placement does, so concurrent writers never deadlock.
        for line in sorted(ret.lines, key=lambda item: (item.sku_id, item.id)):
            line.outcome = outcomes[line.id].value
            if outcomes[line.id] is InspectionOutcome.RESTOCK:
                ensure_level(db, ret.warehouse_id, line.sku_id)
                move(db, warehouse_id=ret.warehouse_id, sku_id=line.sku_id,
                     kind=MovementKind.RETURN_RESTOCK, quantity=line.quantity,
                     return_id=ret.id, reference=f"return {ret.id}",
                     actor_user_id=principal.user_id)
        return finish(uow, ret)


def resolve(uow: UnitOfWork, return_id: int, principal: Principal,
            expected_version: int | None = None, *, now: datetime | None = None) -> ReturnRead:
    """Refund the return, or ship its exchange and refund any value difference.

    A replacement that cannot be reserved is a 409 with the shortfall and changes
    nothing: the return stays received and can be resolved again once stock arrives.
    """
    with uow:
        db = uow.db
        ret = load_for_change(db, return_id, principal, expected_version)
        exchange = ret.resolution == Resolution.EXCHANGE.value
        move_to(ret, ReturnStatus.EXCHANGED if exchange else ReturnStatus.REFUNDED)
        # Locked so sibling returns of the order settle one at a time (the fee rule).
        order = db.scalars(select(Order).where(Order.id == ret.order_id)
                           .with_for_update()).one()
        replacement_value = sum(r.unit_price_minor * r.quantity for r in ret.replacement_lines)
        amount = refund_amount(
            [(line.unit_price_minor, line.quantity, ReturnReason(line.reason))
             for line in ret.lines],
            delivery_fee_minor=order.delivery_fee_minor,
            returns_everything=_completes_full_return(db, order, ret),
            replacement_value_minor=replacement_value,
        )
        if exchange:
            ret.exchange_order_id = _place_exchange(db, order, ret, principal,
                                                    now or utcnow()).id
        if amount > 0:
            payment = payments.refund(db, _paying_payment(db, order), amount,
                                      key=f"return:{ret.id}", reason=f"return {ret.id}")
            publish(db, EventType.REFUND_ISSUED, {
                "return_id": ret.id, "order_id": order.id, "payment_id": payment.id,
                "amount_minor": amount, "currency": payment.currency,
            }, order_id=order.id)
        ret.refund_minor = amount
        return finish(uow, ret)


def _completes_full_return(db: Session, order: Order, ret: Return) -> bool:
    """True when every delivered unit is in a non-rejected return and this is the last
    of them to settle, so the delivery fee is paid back once, and only after every other
    return has been received (none of them can still be rejected)."""
    others = db.scalars(select(Return.status).where(
        Return.order_id == order.id, Return.id != ret.id,
        Return.status != ReturnStatus.REJECTED.value,
    )).all()
    if any(status not in SETTLED for status in others):
        return False
    covered = units_in_returns(db, order.id)
    return all(covered.get(line.id, 0) >= line.quantity for line in order.lines)


def _paying_payment(db: Session, order: Order) -> Payment:
    """The payment that holds the money: an exchange order was paid by its original."""
    seen: set[int] = set()
    while order.exchange_of_return_id is not None and order.id not in seen:
        seen.add(order.id)
        source = db.get(Return, order.exchange_of_return_id)
        if source is None:
            break
        order = db.get(Order, source.order_id)
    return payments.payment_for_order(db, order.id, lock=True)


def _next_window(order: Order, now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow, at the time of day and for the length of the original window."""
    start_at = order.window_start.astimezone(UTC)
    day = (now.astimezone(UTC) + timedelta(days=1)).date()
    start = datetime.combine(day, start_at.timetz())
    return start, start + (order.window_end - order.window_start)


def _place_exchange(db: Session, original: Order, ret: Return, principal: Principal,
                    now: datetime) -> Order:
    """A confirmed order for the replacement lines, reserved at the nearest warehouse
    that holds them all (as placement does), paid in full by the returned goods."""
    skus = {s.id: s for s in db.scalars(
        select(Sku).where(Sku.id.in_({r.sku_id for r in ret.replacement_lines})))}
    needed = sum_lines([(skus[r.sku_id].code, r.quantity) for r in ret.replacement_lines])
    sku_ids = {s.code: s.id for s in skus.values()}
    lat, lon = original.lat, original.lon
    start, end = _next_window(original, now)
    order = Order(
        customer_id=original.customer_id,
        status=OrderStatus.PLACED.value, priority=original.priority,
        address_text=original.address_text, lat=lat, lon=lon, window_start=start,
        window_end=end, payment_method=original.payment_method, currency=original.currency,
        # The subtotal records what was sent; the customer pays nothing for it.
        subtotal_minor=sum(r.unit_price_minor * r.quantity for r in ret.replacement_lines),
        delivery_fee_minor=0, total_minor=0, notes=f"exchange for return {ret.id}",
        exchange_of_return_id=ret.id, placed_by_user_id=principal.user_id,
        lines=[OrderLine(sku_id=r.sku_id, sku_code=skus[r.sku_id].code, quantity=r.quantity,
                         unit_price_minor=r.unit_price_minor) for r in ret.replacement_lines],
    )
    reserve_nearest(db, order, needed, sku_ids, actor=principal.user_id,
                    field="replacement_lines")
    reason = f"exchange for return {ret.id}"
    record_status(db, order, None, OrderStatus.PLACED.value, reason=reason,
                  actor_user_id=principal.user_id)
    original_payment = payments.payment_for_order(db, original.id)
    payment = payments.authorise(
        db, order_id=order.id, method=PaymentMethod(original.payment_method),
        card_token=original_payment.card_token, amount=Money(0, original.currency),
    )
    if payment.status != PaymentStatus.AUTHORISED.value:
        raise PaymentDeclined(f"the provider refused the exchange order ({payment.decline_code})",
                              field="payment", decline_code=payment.decline_code)
    order.status = OrderStatus.CONFIRMED.value
    record_status(db, order, OrderStatus.PLACED.value, OrderStatus.CONFIRMED.value,
                  reason=reason, actor_user_id=principal.user_id)
    db.flush()
    return order
