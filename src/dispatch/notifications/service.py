"""Turning outbox events into customer notifications, and reading what went out.

:func:`queue_notifications` runs in the relay's transaction: for each event with a
template it renders the message from the order as it stands (the ETA window from the
payload or the order's current route stop) and stores it, pending, once per channel.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.events.models import OutboxEvent
from dispatch.notifications.channels import Channel
from dispatch.notifications.models import Notification
from dispatch.notifications.schemas import NotificationRead
from dispatch.notifications.templates import (
    failure_text,
    format_money,
    format_window,
    has_template,
    render,
)
from dispatch.orders.models import Order
from dispatch.returns.models import Return
from dispatch.stoplists.models import RouteStop

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"


def tracking_page_url(public_url: str, token: str) -> str:
    """The customer's tracking page (also where a failed delivery is rescheduled)."""
    return f"{public_url.rstrip('/')}/track/{token}/page"


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _eta_window(db: Session, order: Order, payload: dict[str, Any]) -> str:
    """The payload's ETA window, else the order's latest route stop's, else its window."""
    low, high = _moment(payload.get("eta_low")), _moment(payload.get("eta_high"))
    if low is None or high is None:
        stop = db.scalars(select(RouteStop)
                          .where(RouteStop.order_id == order.id, RouteStop.kind == "delivery")
                          .order_by(RouteStop.id.desc()).limit(1)).first()
        if stop is not None:
            low, high = stop.eta_low, stop.eta_high
    if low is None or high is None:
        return format_window(order.window_start, order.window_end)
    return format_window(low, high)


def _pickup_window(db: Session, payload: dict[str, Any]) -> str:
    start, end = _moment(payload.get("pickup_window_start")), _moment(payload.get("pickup_window_end"))
    if (start is None or end is None) and isinstance(payload.get("return_id"), int):
        ret = db.get(Return, payload["return_id"])
        if ret is not None:
            start, end = ret.pickup_window_start, ret.pickup_window_end
    if start is None or end is None:
        return "at a time we will confirm with you"
    return format_window(start, end)


def context_for(db: Session, event: OutboxEvent, order: Order, *,
                public_url: str) -> dict[str, Any]:
    """Every value a template may use (``templates.CONTEXT_KEYS``)."""
    payload = event.payload or {}
    link = tracking_page_url(public_url, order.tracking_token)
    amount = payload.get("amount_minor")
    return {
        "customer_name": order.customer.name,
        "order_id": order.id,
        "window": format_window(order.window_start, order.window_end),
        "eta_window": _eta_window(db, order, payload),
        "tracking_url": link,
        "reschedule_url": link,
        "failure_reason": failure_text(payload.get("reason") or order.failure_reason),
        "recipient_name": f" to {order.recipient_name}" if order.recipient_name else "",
        "return_id": payload.get("return_id", ""),
        "pickup_window": _pickup_window(db, payload),
        "refund_amount": format_money(amount, payload.get("currency") or order.currency)
        if isinstance(amount, int) else "the amount due",
    }


def recipient_for(order: Order, channel: Channel) -> str | None:
    customer = order.customer
    if channel.contact == "email":
        return customer.email
    if channel.contact == "phone":
        return customer.phone
    return customer.email or customer.phone


def queue_notifications(db: Session, events: list[OutboxEvent], channel: Channel, *,
                        public_url: str, now: datetime) -> int:
    """Render and store a pending notification per templated event not yet queued on
    ``channel``; returns how many were added. A message that cannot be built is logged
    and skipped, so it never holds up the outbox."""
    wanted = [e for e in events if has_template(e.type) and e.order_id is not None]
    if not wanted:
        return 0
    queued = set(db.scalars(select(Notification.outbox_event_id).where(
        Notification.outbox_event_id.in_([e.id for e in wanted]),
        Notification.channel == channel.name)))
    added = 0
    for event in wanted:
        if event.id in queued:
            continue
        order = db.get(Order, event.order_id)
        recipient = recipient_for(order, channel) if order is not None else None
        if recipient is None:
            log.info("no %s contact for event %s; no notification", channel.name, event.event_id)
            continue
        try:
            message = render(event.type, context_for(db, event, order, public_url=public_url))
        except Exception:  # a template bug must not stall the outbox
            log.exception("could not render %s for event %s", event.type, event.event_id)
            continue
        db.add(Notification(outbox_event_id=event.id, order_id=order.id,
                            template=message.template, channel=channel.name,
                            recipient=recipient, subject=message.subject[:200],
                            body=message.body, status=PENDING, attempts=0,
                            next_attempt_at=now))
        added += 1
    return added


def list_notifications(uow: UnitOfWork, *, order_id: int | None, status: str | None,
                       limit: int, after: int | None) -> tuple[list[NotificationRead], str | None]:
    """What customers were sent (or are about to be), oldest first."""
    query = select(Notification)
    if order_id is not None:
        query = query.where(Notification.order_id == order_id)
    if status is not None:
        query = query.where(Notification.status == status)
    with uow:
        rows = uow.db.scalars(keyset(query, Notification.id, limit=limit, after=after))
        return page_of([NotificationRead.model_validate(row) for row in rows], limit)
