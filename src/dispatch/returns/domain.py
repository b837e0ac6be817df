"""Return rules kept free of storage and HTTP so they can be tested and reused anywhere.

A customer may send back delivered units within a window; the refund is what the units
cost, plus the delivery fee when everything comes back because of the seller's fault,
minus the value of any replacement sent in exchange. Money is integer minor units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from dispatch.common.checks import is_int, require_aware, require_int
from dispatch.errors import Conflict, IllegalTransition, Invalid


class ReturnStatus(StrEnum):
    """Where a return is, from the customer's request to the refund or exchange."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PICKED_UP = "picked_up"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"


_S = ReturnStatus

RETURN_TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = MappingProxyType({
    _S.REQUESTED: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.PICKED_UP}),
    _S.PICKED_UP: frozenset({_S.RECEIVED}),
    _S.RECEIVED: frozenset({_S.REFUNDED, _S.EXCHANGED}),
    _S.REJECTED: frozenset(),
    _S.REFUNDED: frozenset(),
    _S.EXCHANGED: frozenset(),
})
"""Legal moves from each status; a status mapped to an empty set is terminal."""


def check_return_transition(current: ReturnStatus, target: ReturnStatus) -> None:
    """Raise ``IllegalTransition`` unless ``current -> target`` is a legal move."""
    if target not in RETURN_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition("return", current, target)


class ReturnReason(StrEnum):
    """Why the customer sends units back."""

    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


SELLER_FAULT: frozenset[ReturnReason] = frozenset({
    ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.NOT_AS_DESCRIBED,
})
"""Reasons that make the seller pay the delivery fee back on a full return."""


class Resolution(StrEnum):
    """What the customer gets for the returned units."""

    REFUND = "refund"
    EXCHANGE = "exchange"


class InspectionOutcome(StrEnum):
    """What the warehouse does with a received unit."""

    RESTOCK = "restock"
    SCRAP = "scrap"


def check_return_window(delivered_at: datetime | None, now: datetime, window: timedelta) -> None:
    """Raise ``Conflict`` unless the order was delivered and the window is still open.

    The deadline itself (``delivered_at + window``) is still in time.
    """
    if delivered_at is None:
        raise Conflict("order has not been delivered", field="order_id")
    require_aware(delivered_at, "delivered_at")
    require_aware(now, "now")
    deadline = delivered_at + window
    if now > deadline:
        raise Conflict(
            f"return window closed at {deadline.isoformat()}",
            field="order_id",
            deadline=deadline.isoformat(),
        )


def returnable_quantities(
    delivered: Mapping[int, int], already_returned: Mapping[int, int]
) -> dict[int, int]:
    """Units per order line id that may still be returned (never below zero)."""
    return {
        line_id: max(0, quantity - already_returned.get(line_id, 0))
        for line_id, quantity in delivered.items()
    }


@dataclass(frozen=True)
class RequestedLine:
    """One line of a return request: how many units of an order line, and why."""

    order_line_id: int
    quantity: int
    reason: ReturnReason


def check_return_lines(requested: Sequence[RequestedLine], returnable: Mapping[int, int]) -> None:
    """Refuse an empty request, unknown lines, and quantities above what may be returned.

    Several request lines for one order line are summed; the error names the line at
    which the running sum first goes over the limit.
    """
    if not requested:
        raise Invalid("a return needs at least one line", field="lines")
    asked: defaultdict[int, int] = defaultdict(int)
    for i, line in enumerate(requested):
        if line.order_line_id not in returnable:
            raise Invalid(
                f"order line {line.order_line_id} is not part of this order",
                field=f"lines[{i}].order_line_id",
            )
        if not is_int(line.quantity) or line.quantity <= 0:
            raise Invalid(
                f"quantity must be a positive integer, got {line.quantity!r}",
                field=f"lines[{i}].quantity",
            )
        asked[line.order_line_id] += line.quantity
        limit = returnable[line.order_line_id]
        if asked[line.order_line_id] > limit:
            raise Invalid(
                f"at most {limit} unit(s) of order line {line.order_line_id} can be returned,"
                f" {asked[line.order_line_id]} requested",
                field=f"lines[{i}].quantity",
                limit=limit,
            )


def refund_amount(
    lines: Iterable[tuple[int, int, ReturnReason]],
    *,
    delivery_fee_minor: int,
    returns_everything: bool,
    replacement_value_minor: int = 0,
) -> int:
    """Minor units to pay back for ``(unit_price_minor, quantity, reason)`` lines.

    The delivery fee is added when this return completes a full return of the order and
    at least one line is the seller's fault; the replacement value (exchanges) is taken
    off and may not exceed what comes back. ``TypeError`` for non-int amounts.
    """
    require_int(delivery_fee_minor, "delivery_fee_minor")
    require_int(replacement_value_minor, "replacement_value_minor")
    returned = 0
    seller_fault = False
    for i, (unit_price, quantity, reason) in enumerate(lines):
        require_int(unit_price, f"lines[{i}].unit_price_minor")
        require_int(quantity, f"lines[{i}].quantity")
        returned += unit_price * quantity
        seller_fault = seller_fault or reason in SELLER_FAULT
    if returns_everything and seller_fault:
        returned += delivery_fee_minor
    if replacement_value_minor > returned:
        raise Invalid(
            f"replacement worth {replacement_value_minor} exceeds the {returned} returned",
            field="replacement_lines",
        )
    return returned - replacement_value_minor
