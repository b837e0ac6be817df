"""Order rules kept free of storage and HTTP so they can be tested and reused anywhere.

The service layer loads rows, asks these functions whether a move is allowed or what an
order costs, and raises what they raise. Money is integer minor units (cents) throughout:
floats are refused so rounding can never creep into a total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from dispatch.common.checks import is_int, require_aware, require_int
from dispatch.errors import IllegalTransition, Invalid


class OrderStatus(StrEnum):
    """Where an order is in its life, from checkout to the doorstep."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    ON_HOLD = "on_hold"  # held by fraud screening until approved or cancelled
    PICKED = "picked"
    READY = "ready"
    PLANNED = "planned"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


_S = OrderStatus

TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType({
    _S.PLACED: frozenset({_S.CONFIRMED, _S.ON_HOLD, _S.CANCELLED}),
    _S.ON_HOLD: frozenset({_S.CONFIRMED, _S.CANCELLED}),
    _S.CONFIRMED: frozenset({_S.PICKED, _S.CANCELLED}),
    _S.PICKED: frozenset({_S.READY, _S.CANCELLED}),
    _S.READY: frozenset({_S.PLANNED, _S.CANCELLED}),
    # READY again when a re-plan drops the order from every route.
    _S.PLANNED: frozenset({_S.OUT_FOR_DELIVERY, _S.READY, _S.CANCELLED}),
    _S.OUT_FOR_DELIVERY: frozenset({_S.DELIVERED, _S.FAILED}),
    _S.FAILED: frozenset({_S.READY}),
    _S.DELIVERED: frozenset(),
    _S.CANCELLED: frozenset(),
})
"""Legal moves from each status; a status mapped to an empty set is terminal."""

STOCK_RESERVED: frozenset[OrderStatus] = frozenset({
    _S.ON_HOLD, _S.CONFIRMED, _S.PICKED, _S.READY, _S.PLANNED, _S.OUT_FOR_DELIVERY, _S.FAILED,
})
"""Statuses in which the order holds reserved stock (released on cancel)."""

CANCELLABLE: frozenset[OrderStatus] = frozenset(
    status for status, targets in TRANSITIONS.items() if _S.CANCELLED in targets
)
"""Statuses from which cancelling is legal."""


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise ``IllegalTransition`` unless ``current -> target`` is a legal move."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition("order", current, target)


@dataclass(frozen=True)
class PickDifference:
    """One SKU whose scanned quantity differs from what was ordered."""

    sku: str
    ordered: int
    scanned: int

    @property
    def missing(self) -> int:
        """Units still to pick; negative when more were scanned than ordered."""
        return self.ordered - self.scanned


def pick_differences(
    ordered: Iterable[tuple[str, int]], scanned: Iterable[tuple[str, int]]
) -> list[PickDifference]:
    """Compare ordered and scanned ``(sku, quantity)`` lines, summed per SKU.

    Returns the mismatches sorted by SKU; an empty list means the pick is complete.
    A scanned quantity must be a positive integer (``lines[i].quantity`` otherwise).
    """
    want: defaultdict[str, int] = defaultdict(int)
    for sku, quantity in ordered:
        want[sku] += quantity
    got: defaultdict[str, int] = defaultdict(int)
    for i, (sku, quantity) in enumerate(scanned):
        if not is_int(quantity) or quantity <= 0:
            raise Invalid(
                f"scanned quantity must be a positive integer, got {quantity!r}",
                field=f"lines[{i}].quantity",
            )
        got[sku] += quantity
    return [
        PickDifference(sku, want.get(sku, 0), got.get(sku, 0))
        for sku in sorted(want.keys() | got.keys())
        if want.get(sku, 0) != got.get(sku, 0)
    ]


@dataclass(frozen=True)
class Totals:
    """What an order costs, in minor units."""

    subtotal_minor: int
    delivery_fee_minor: int
    total_minor: int


def order_totals(lines: Iterable[tuple[int, int]], delivery_fee_minor: int) -> Totals:
    """Sum ``(unit_price_minor, quantity)`` lines and add the delivery fee.

    Raises ``TypeError`` for any amount that is not a plain ``int`` (floats, bools).
    """
    require_int(delivery_fee_minor, "delivery_fee_minor")
    subtotal = 0
    for i, (unit_price, quantity) in enumerate(lines):
        require_int(unit_price, f"lines[{i}].unit_price_minor")
        require_int(quantity, f"lines[{i}].quantity")
        subtotal += unit_price * quantity
    return Totals(subtotal, delivery_fee_minor, subtotal + delivery_fee_minor)


def check_delivery_window(
    start: datetime, end: datetime, *, now: datetime, max_ahead: timedelta = timedelta(days=30)
) -> None:
    """Refuse a delivery window that is naive, inverted, already over or too far ahead."""
    require_aware(start, "window.start")
    require_aware(end, "window.end")
    require_aware(now, "now")
    if end <= start:
        raise Invalid("delivery window must end after it starts", field="window.end")
    if end <= now:
        raise Invalid("delivery window is already over", field="window.end")
    if start > now + max_ahead:
        raise Invalid(
            f"delivery window may start at most {max_ahead} ahead", field="window.start"
        )
