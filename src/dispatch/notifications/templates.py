"""What customers are told, per event: a plain-text subject and body per template.

Templates are ``str.format`` strings over a context the notification service builds
from the order (see ``CONTEXT_KEYS``); rendering is pure, so wording can be tested
without a database. Times are shown in UTC, labelled as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from dispatch.events.types import EventType


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body: str


CONTEXT_KEYS = frozenset({
    "customer_name", "order_id", "window", "eta_window", "tracking_url", "reschedule_url",
    "failure_reason", "recipient_name", "return_id", "pickup_window", "refund_amount",
})

_SIGN_OFF = "\n\nTrack your order: {tracking_url}\n"

TEMPLATES: dict[str, Template] = {
    EventType.ORDER_CONFIRMED: Template(
        "Order {order_id} confirmed",
        "Hello {customer_name},\n\nthank you for your order {order_id}. We will deliver it"
        " {window}." + _SIGN_OFF),
    EventType.ORDER_PLANNED: Template(
        "Your delivery of order {order_id} is scheduled",
        "Hello {customer_name},\n\nyour order {order_id} is on a driver's route and will"
        " be delivered {window}." + _SIGN_OFF),
    EventType.ORDER_OUT_FOR_DELIVERY: Template(
        "Order {order_id} is on its way",
        "Hello {customer_name},\n\nyour order {order_id} has left the warehouse. Expect"
        " the driver {eta_window}." + _SIGN_OFF),
    EventType.ETA_CHANGED: Template(
        "New arrival time for order {order_id}",
        "Hello {customer_name},\n\nthe arrival time of your order {order_id} has changed."
        " Expect the driver {eta_window}." + _SIGN_OFF),
    EventType.ARRIVING_NEXT: Template(
        "Your driver is on the way to you",
        "Hello {customer_name},\n\nyou are the driver's next stop: order {order_id} arrives"
        " {eta_window}. Please be ready to receive it." + _SIGN_OFF),
    EventType.ORDER_DELIVERED: Template(
        "Order {order_id} delivered",
        "Hello {customer_name},\n\nyour order {order_id} was delivered{recipient_name}."
        " Thank you for ordering with us." + _SIGN_OFF),
    EventType.ORDER_FAILED: Template(
        "We could not deliver order {order_id}",
        "Hello {customer_name},\n\nwe could not deliver your order {order_id} today"
        " ({failure_reason}). Choose a new delivery time here: {reschedule_url}\n"),
    EventType.RETURN_APPROVED: Template(
        "Return {return_id} approved",
        "Hello {customer_name},\n\nyour return {return_id} for order {order_id} is"
        " approved. A driver will collect the items {pickup_window}." + _SIGN_OFF),
    EventType.REFUND_ISSUED: Template(
        "Refund of {refund_amount} issued",
        "Hello {customer_name},\n\nwe have refunded {refund_amount} for return {return_id}"
        " of order {order_id}. It reaches your account within a few days.\n"),
}
"""Event type -> template; events without one send no customer message."""

FAILURE_REASONS = {
    "not_home": "nobody was home", "refused": "the delivery was refused",
    "address_not_found": "we could not find the address", "damaged": "the parcel was damaged",
    "no_access": "we could not get access", "other": "an unexpected problem",
}


def has_template(event_type: str) -> bool:
    return event_type in TEMPLATES


def render(event_type: str, context: Mapping[str, object]) -> Rendered:
    """The message for ``event_type``; ``context`` must hold every ``CONTEXT_KEYS`` key."""
    template = TEMPLATES[event_type]
    return Rendered(str(event_type), template.subject.format_map(context),
                    template.body.format_map(context))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def format_window(start: datetime, end: datetime) -> str:
    """``on Fri 27 Nov 2026 between 14:00 and 15:00 UTC`` (dates repeated if they differ)."""
    start, end = _utc(start), _utc(end)
    if start.date() == end.date():
        return (f"on {start:%a %d %b %Y} between {start:%H:%M} and {end:%H:%M} UTC")
    return f"between {start:%a %d %b %Y %H:%M} and {end:%a %d %b %Y %H:%M} UTC"


def format_money(amount_minor: int, currency: str) -> str:
    """``12.34 EUR`` (two decimals: the currencies the service prices in)."""
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{units}.{cents:02d} {currency}"


def failure_text(reason: str | None) -> str:
    return FAILURE_REASONS.get(reason or "other", reason or FAILURE_REASONS["other"])
