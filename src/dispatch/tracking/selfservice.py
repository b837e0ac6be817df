"""What a customer may do from their tracking link: choose a new window, start a return.

The link's token is the customer's only key, so every action first finds the order by
it (404 for unknown or expired links, like reading) and acts on that order alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import check_delivery_window
from dispatch.orders.models import Order, OrderEvent
from dispatch.returns import requests as returns
from dispatch.returns.schemas import ReturnCreate, ReturnRead
from dispatch.tracking.schemas import RescheduleIn, RescheduleRead
from dispatch.tracking.service import (
    DEFAULT_RULES,
    RESCHEDULED_BY_CUSTOMER,
    TrackingRules,
    may_reschedule,
    tracked_order,
)


def link_holder() -> Principal:
    """The customer acting through their link, as the returns service sees a caller.

    Customers have no user (``user_id`` is None, so the return is recorded as requested
    by no staff member) and no role of their own; a staff role lets the returns service
    reach the order, and the scope is the one order the token names: callers pass only
    that order's id.
    """
    return Principal(user_id=None, name="customer via tracking link", role=Role.OPERATOR)


def record_reschedule(db: Session, order: Order, previous: tuple[datetime, datetime]) -> None:
    """The timeline row (status unchanged) and the ``order.rescheduled`` outbox event."""
    db.add(OrderEvent(order_id=order.id, from_status=order.status, to_status=order.status,
                      reason=RESCHEDULED_BY_CUSTOMER, actor_user_id=None))
    publish(db, EventType.ORDER_RESCHEDULED, {
        "order_id": order.id, "status": order.status, "warehouse_id": order.warehouse_id,
        "window_start": order.window_start.isoformat(),
        "window_end": order.window_end.isoformat(),
        "previous_window_start": previous[0].isoformat(),
        "previous_window_end": previous[1].isoformat(),
        "by": "customer",
    }, order_id=order.id)


def reschedule(uow: UnitOfWork, token: str, cmd: RescheduleIn,
               rules: TrackingRules = DEFAULT_RULES, *,
               now: datetime | None = None) -> RescheduleRead:
    """Move a ready order's window after a failed attempt; it stays ready, so the next
    wave whose horizon covers the new window plans it. 409 at any other time, 422 for a
    window that order placement would refuse."""
    now = now or utcnow()
    with uow:
        db = uow.db
        order = tracked_order(db, token, reveal_days=rules.reveal_days, now=now, lock=True)
        if not may_reschedule(order):
            raise Conflict("a new delivery window can be chosen only after a failed delivery"
                           f" attempt, while the order waits for the next one (it is"
                           f" {order.status})", field="token", order_status=order.status)
        check_delivery_window(cmd.window.start, cmd.window.end, now=now,
                              max_ahead=timedelta(days=rules.max_days_ahead))
        previous = (order.window_start, order.window_end)
        order.window_start, order.window_end = cmd.window.start, cmd.window.end
        order.version += 1
        record_reschedule(db, order, previous)
        db.flush()
        result = RescheduleRead(order_id=order.id, status=order.status,
                                window_start=order.window_start, window_end=order.window_end)
        uow.commit()
        return result


def request_return(uow: UnitOfWork, token: str, cmd: ReturnCreate,
                   rules: TrackingRules = DEFAULT_RULES, *,
                   now: datetime | None = None) -> ReturnRead:
    """A return of delivered units under the staff endpoint's rules (return window,
    returnable quantities): 409 before delivery or after the window, 422 above what is left."""
    now = now or utcnow()
    with uow:
        order_id = tracked_order(uow.db, token, reveal_days=rules.reveal_days, now=now).id
    return returns.request_return(uow, order_id, cmd, link_holder(),
                                  return_window=rules.return_window, now=now)
