"""The customer's view of one order, found by its tracking token.

A token reveals exactly one order. The driver's first name shows only while the order
is on a route; links stop revealing anything ``reveal_days`` after the order ended
(delivered or cancelled), and an expired or unknown token is the same 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.fleet.models import Driver
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order, OrderEvent
from dispatch.stock.models import Sku
from dispatch.tracking.schemas import TimelineEntry, TrackedLine, TrackingRead
from dispatch.tracking.tokens import TOKEN_PATTERN

ON_ROUTE = frozenset({OrderStatus.PLANNED.value, OrderStatus.OUT_FOR_DELIVERY.value})
ENDED = frozenset({OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value})


def _unknown() -> NotFound:
    return NotFound("no order is tracked under this link, or the link has expired",
                    field="token")


def track(uow: UnitOfWork, token: str, *, reveal_days: int,
          now: datetime | None = None) -> TrackingRead:
    """The tracking view for ``token``; 404 for unknown or expired links."""
    if not TOKEN_PATTERN.match(token):
        raise _unknown()
    now = now or utcnow()
    with uow:
        db = uow.db
        order = db.scalars(
            select(Order).where(Order.tracking_token == token)
            .options(selectinload(Order.lines))
        ).one_or_none()
        if order is None:
            raise _unknown()
        if order.status in ENDED:
            ended_at = order.delivered_at or order.updated_at
            if now > ended_at + timedelta(days=reveal_days):
                raise _unknown()
        events = db.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        ).all()
        names = dict(db.execute(
            select(Sku.id, Sku.name).where(Sku.id.in_({line.sku_id for line in order.lines}))
        ).all())
        driver_first_name = None
        if order.status in ON_ROUTE and order.driver_id is not None:
            driver = db.get(Driver, order.driver_id)
            driver_first_name = driver.name.split()[0] if driver and driver.name else None
        return TrackingRead(
            order_id=order.id,
            status=order.status,
            window_start=order.window_start,
            window_end=order.window_end,
            address=order.address_text,
            lines=[TrackedLine(name=names.get(line.sku_id, line.sku_code),
                               quantity=line.quantity) for line in order.lines],
            timeline=[TimelineEntry(status=e.to_status, at=e.created_at) for e in events],
            driver_first_name=driver_first_name,
            delivered_at=order.delivered_at,
        )
