"""The event types the service emits; webhook subscriptions choose among these."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """Names are ``resource.what_happened``; payloads carry ids, never secrets."""

    ORDER_CONFIRMED = "order.confirmed"
    ORDER_ON_HOLD = "order.on_hold"  # held by fraud screening, for review
    ORDER_READY = "order.ready"
    ORDER_PLANNED = "order.planned"
    ORDER_OUT_FOR_DELIVERY = "order.out_for_delivery"
    ORDER_DELIVERED = "order.delivered"
    ORDER_FAILED = "order.failed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_RESCHEDULED = "order.rescheduled"
    ETA_CHANGED = "order.eta_changed"
    ARRIVING_NEXT = "order.arriving_next"
    STOP_ARRIVED = "stop.arrived"
    STOP_COMPLETED = "stop.completed"
    STOP_FAILED = "stop.failed"
    RETURN_APPROVED = "return.approved"
    RETURN_PICKED_UP = "return.picked_up"
    REFUND_ISSUED = "refund.issued"
    PLAN_COMMITTED = "plan.committed"
    DRIVER_POSITION = "driver.position"


ORDER_STATUS_EVENTS = {
    "confirmed": EventType.ORDER_CONFIRMED,
    "on_hold": EventType.ORDER_ON_HOLD,
    "ready": EventType.ORDER_READY,
    "planned": EventType.ORDER_PLANNED,
    "out_for_delivery": EventType.ORDER_OUT_FOR_DELIVERY,
    "delivered": EventType.ORDER_DELIVERED,
    "failed": EventType.ORDER_FAILED,
    "cancelled": EventType.ORDER_CANCELLED,
}
"""Order status -> the event a transition into it emits (``picked`` is internal)."""
