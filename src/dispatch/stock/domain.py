"""Stock rules: what each movement does to a level, and which warehouse can ship an order.

Every change to stock is a ``Movement`` with a fixed effect on ``on_hand`` and ``reserved``,
so the ledger of movements always sums to the current level and a level can be rebuilt or
audited from it. ``Level.apply`` is the single place that refuses overdraw (shipping or
reserving units that are not there), which is what keeps the shop from overselling.
Choosing a warehouse is also pure: the nearest one that holds every line wins, and when
none does, ``best_shortfall`` says what the customer could get at best.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from dispatch.common.checks import require_int
from dispatch.common.geo import EARTH_RADIUS_KM, haversine_km  # noqa: F401 (re-exported)
from dispatch.errors import Conflict, Invalid


class MovementKind(StrEnum):
    """Why stock changed; each kind has a fixed effect on a level."""

    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
    SHIPMENT = "shipment"
    RETURN_RESTOCK = "return_restock"
    SCRAP = "scrap"


@dataclass(frozen=True)
class Movement:
    """One ledger entry: the quantity moved and its effect on on-hand and reserved units."""

    kind: MovementKind
    quantity: int
    on_hand_delta: int
    reserved_delta: int


def movement(kind: MovementKind, quantity: int) -> Movement:
    """Build the movement for ``kind``; ``quantity`` is > 0, or signed and non-zero for adjustments."""
    kind = MovementKind(kind)
    q = require_int(quantity, "quantity")
    if kind is MovementKind.ADJUSTMENT:
        if q == 0:
            raise Invalid("an adjustment must change stock by a non-zero amount", field="quantity")
        return Movement(kind, q, q, 0)
    if q <= 0:
        raise Invalid(f"a {kind} quantity must be positive, got {q}", field="quantity")
    effects: dict[MovementKind, tuple[int, int]] = {
        MovementKind.RECEIPT: (q, 0),
        MovementKind.RESERVATION: (0, q),
        MovementKind.RELEASE: (0, -q),
        MovementKind.SHIPMENT: (-q, -q),
        MovementKind.RETURN_RESTOCK: (q, 0),
        MovementKind.SCRAP: (-q, 0),
    }
    on_hand_delta, reserved_delta = effects[kind]
    return Movement(kind, q, on_hand_delta, reserved_delta)


@dataclass(frozen=True)
class Level:
    """Stock of one SKU at one warehouse; ``reserved`` units are promised to open orders."""

    on_hand: int
    reserved: int
    safety_stock: int = 0
    reorder_point: int = 0

    @property
    def available(self) -> int:
        """Units that can still be promised to a new order."""
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        """True when available stock has fallen to the reorder point or below."""
        return self.available <= self.reorder_point

    def check(self) -> Level:
        """Validate the invariants (non-negative counts, reserved within on-hand); return self."""
        for name in ("on_hand", "reserved", "safety_stock", "reorder_point"):
            value = require_int(getattr(self, name), name)
            if value < 0:
                raise Invalid(f"{name} cannot be negative, got {value}", field=name)
        if self.reserved > self.on_hand:
            raise Invalid(
                f"reserved ({self.reserved}) cannot exceed on_hand ({self.on_hand})",
                field="reserved",
            )
        return self

    def apply(self, m: Movement) -> Level:
        """Return the level after ``m``, or raise ``Conflict`` if it would overdraw stock."""
        on_hand = self.on_hand + m.on_hand_delta
        reserved = self.reserved + m.reserved_delta
        if on_hand < 0:
            raise Conflict(
                f"{m.kind} of {m.quantity} would leave on_hand at {on_hand}: "
                f"{-on_hand} more than the {self.on_hand} on hand",
                field="quantity",
                on_hand=self.on_hand,
                reserved=self.reserved,
            )
        if reserved < 0:
            raise Conflict(
                f"{m.kind} of {m.quantity} would leave reserved at {reserved}: "
                f"{-reserved} more than the {self.reserved} reserved",
                field="quantity",
                on_hand=self.on_hand,
                reserved=self.reserved,
            )
        if reserved > on_hand:
            raise Conflict(
                f"{m.kind} of {m.quantity} would leave reserved ({reserved}) above "
                f"on_hand ({on_hand}) by {reserved - on_hand}",
                field="quantity",
                on_hand=self.on_hand,
                reserved=self.reserved,
            )
        return replace(self, on_hand=on_hand, reserved=reserved)


def ledger_balance(movements: Iterable[Movement]) -> tuple[int, int]:
    """Sum a ledger into ``(on_hand, reserved)``; it must match the stored level."""
    on_hand = reserved = 0
    for m in movements:
        on_hand += m.on_hand_delta
        reserved += m.reserved_delta
    return on_hand, reserved


def sum_lines(lines: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Total the quantity per SKU code over order lines, keeping first-seen order."""
    if not lines:
        raise Invalid("an order needs at least one line", field="lines")
    totals: dict[str, int] = {}
    for i, (sku, quantity) in enumerate(lines):
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise Invalid(
                f"quantity must be a positive whole number, got {quantity!r}",
                field=f"lines[{i}].quantity",
            )
        totals[sku] = totals.get(sku, 0) + quantity
    return totals


@dataclass(frozen=True)
class Shortfall:
    """A SKU that cannot be supplied in full: how many were asked for and how many exist."""

    sku: str
    requested: int
    available: int

    def as_dict(self) -> dict[str, Any]:
        """Plain form for an error payload (``InsufficientStock(shortfall=[...])``)."""
        return {"sku": self.sku, "requested": self.requested, "available": self.available}


def shortfalls(needed: Mapping[str, int], available: Mapping[str, int]) -> list[Shortfall]:
    """SKUs whose ``needed`` quantity exceeds ``available`` (missing counts as 0), in ``needed`` order."""
    result = []
    for sku, requested in needed.items():
        have = available.get(sku, 0)
        if have < requested:
            result.append(Shortfall(sku, requested, have))
    return result


@dataclass(frozen=True)
class WarehouseStock:
    """A warehouse's position and its available units per SKU code."""

    warehouse_id: int
    lat: float
    lon: float
    available: Mapping[str, int]


def fulfilment_candidates(
    warehouses: Iterable[WarehouseStock], needed: Mapping[str, int], lat: float, lon: float
) -> list[WarehouseStock]:
    """Warehouses that can ship every line on their own, nearest to ``(lat, lon)`` first."""
    able = [w for w in warehouses if not shortfalls(needed, w.available)]
    return sorted(able, key=lambda w: (haversine_km(w.lat, w.lon, lat, lon), w.warehouse_id))


def best_shortfall(
    warehouses: Iterable[WarehouseStock], needed: Mapping[str, int]
) -> list[Shortfall]:
    """Per short SKU, the request against the most any single warehouse holds."""
    best: dict[str, int] = {}
    for w in warehouses:
        for sku in needed:
            best[sku] = max(best.get(sku, 0), w.available.get(sku, 0))
    return shortfalls(needed, best)
