"""Turning order rows into response bodies, and finding the orders a caller may see."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.errors import NotFound
from dispatch.fraud.models import FraudAssessment
from dispatch.fraud.schemas import RiskRead
from dispatch.orders.models import Order
from dispatch.orders.schemas import CustomerRead, LineRead, OrderRead
from dispatch.payments.models import Payment
from dispatch.payments.schemas import PaymentRead


def order_reads(db: Session, orders: Sequence[Order]) -> list[OrderRead]:
    """Response bodies for ``orders``, their payments fetched in one query."""
    ids = [order.id for order in orders]
    payments = {p.order_id: p for p in db.scalars(select(Payment).where(Payment.order_id.in_(ids)))}
    risks = {r.order_id: r for r in db.scalars(
        select(FraudAssessment).where(FraudAssessment.order_id.in_(ids)))}
    return [order_read(order, payments.get(order.id), risks.get(order.id)) for order in orders]


def order_read(order: Order, payment: Payment | None,
               risk: FraudAssessment | None = None) -> OrderRead:
    """The response body for ``order``, its ``payment`` (None before authorisation) and
    its fraud screening (None when not screened)."""
    return OrderRead(
        id=order.id,
        status=order.status,
        customer=CustomerRead.model_validate(order.customer),
        address_text=order.address_text,
        lat=order.lat,
        lon=order.lon,
        window_start=order.window_start,
        window_end=order.window_end,
        priority=order.priority,
        warehouse_id=order.warehouse_id,
        driver_id=order.driver_id,
        lines=[
            LineRead(
                id=line.id,
                sku=line.sku_code,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
            )
            for line in order.lines
        ],
        currency=order.currency,
        subtotal_minor=order.subtotal_minor,
        delivery_fee_minor=order.delivery_fee_minor,
        total_minor=order.total_minor,
        payment=PaymentRead.model_validate(payment) if payment else None,
        cancel_reason=order.cancel_reason,
        failure_reason=order.failure_reason,
        delivery_attempts=order.delivery_attempts,
        delivered_at=order.delivered_at,
        created_at=order.created_at,
        version=order.version,
        tracking_token=order.tracking_token,
        risk=RiskRead.model_validate(risk) if risk is not None else None,
    )


def visible_order(db: Session, order_id: int, principal: Principal, *, lock: bool = False) -> Order:
    """The order if the caller may see it; otherwise 404, whether or not it exists.

    Drivers see only orders on their own route; staff see every order.
    """
    query = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    if principal.role is Role.DRIVER:
        query = query.where(Order.driver_id == principal.driver_id)
    if lock:
        query = query.with_for_update(of=Order)
    order = db.scalars(query).one_or_none()
    if order is None:
        raise NotFound(f"order {order_id} does not exist", field="order_id")
    return order
