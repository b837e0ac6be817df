"""Recording an order's status change: the timeline row and its outbox event together.

Every status change goes through here, so the timeline, webhooks and customer
notifications can never disagree about what happened to an order.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch.events.outbox import publish
from dispatch.events.types import ORDER_STATUS_EVENTS
from dispatch.orders.models import Order, OrderEvent


def record_status(db: Session, order: Order, from_status: str | None, to_status: str, *,
                  reason: str | None = None, actor_user_id: int | None = None) -> None:
    """Add the status-change row and, for statuses customers and integrations care
    about, an outbox event in the same transaction (``order.id`` must be assigned)."""
    db.add(OrderEvent(order_id=order.id, from_status=from_status, to_status=to_status,
                      reason=reason, actor_user_id=actor_user_id))
    event_type = ORDER_STATUS_EVENTS.get(to_status)
    if event_type is None:
        return
    publish(db, event_type, {
        "order_id": order.id, "status": to_status, "from_status": from_status,
        "reason": reason, "warehouse_id": order.warehouse_id, "driver_id": order.driver_id,
        "window_start": order.window_start.isoformat(),
        "window_end": order.window_end.isoformat(),
    }, order_id=order.id, driver_id=order.driver_id)
