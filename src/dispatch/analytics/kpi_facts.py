"""The facts KPIs are computed from, read once from the database (``kpi_rows``) and then
grouped and summed by pure functions (``kpis``), so every figure can be checked by hand.

Each fact carries its group keys: ``day`` (UTC date of the delivery window's start, or of
the event), ``driver``, ``warehouse`` and ``zone`` (``zones.zone_of`` the delivery
point). A key a fact cannot have is None (a stockout has no driver; a driver's day on the
road has no single zone), and such a fact counts in no group of that kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

GROUPS = ("day", "driver", "warehouse", "zone")


@dataclass(frozen=True)
class Keys:
    day: str | None = None
    driver: int | None = None
    warehouse: int | None = None
    zone: str | None = None

    def of(self, group: str) -> str | int | None:
        return getattr(self, group)


@dataclass(frozen=True)
class OrderFact:
    """One order due in the period. ``began`` is when service began at the door (the
    arrival, or the window start when early); None when never delivered."""

    keys: Keys
    status: str
    window_end: datetime
    began: datetime | None
    attempts: int
    lines: tuple[tuple[str, int], ...]  # SKU code, units
    total_minor: int
    refunded_minor: int = 0

    @property
    def units(self) -> int:
        return sum(units for _, units in self.lines)


@dataclass(frozen=True)
class PickFact:
    keys: Keys
    order_id: int
    matched: bool


@dataclass(frozen=True)
class ReturnFact:
    """Units of one SKU a customer sent back (or asked to), and why."""

    keys: Keys
    sku: str
    reason: str
    units: int


@dataclass(frozen=True)
class StockoutFact:
    keys: Keys
    sku: str
    units: int  # asked for by an order refused for want of stock


@dataclass(frozen=True)
class EtaFact:
    """One ETA shown for a delivery: how far ahead of the door, and how wrong (actual
    minus predicted: positive is later than said)."""

    keys: Keys
    lead_seconds: float
    error_seconds: float


@dataclass(frozen=True)
class DriverDayFact:
    """A driver's day on the road: time between leaving and the last stop finished
    (overlapping routes of a re-plan counted once), distance, stops done; and the shift
    time they were rostered for (zero when on the road without a shift)."""

    keys: Keys
    road_seconds: float
    km: float
    stops_done: int
    deliveries_done: int
    shift_seconds: float


@dataclass
class Facts:
    orders: list[OrderFact] = field(default_factory=list)
    picks: list[PickFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)
    stockouts: list[StockoutFact] = field(default_factory=list)
    etas: list[EtaFact] = field(default_factory=list)
    driver_days: list[DriverDayFact] = field(default_factory=list)

    def _lists(self) -> tuple[list, ...]:
        """Every kind of fact, in field order (``Facts(*lists)`` rebuilds it)."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def only(self, group: str, key: str | int) -> Facts:
        """The facts whose ``group`` key is ``key``."""
        return Facts(*([f for f in facts if f.keys.of(group) == key]
                       for facts in self._lists()))

    def keys_of(self, group: str) -> list[str | int]:
        """Every key of ``group`` some fact has, sorted."""
        found = {f.keys.of(group) for facts in self._lists() for f in facts}
        found.discard(None)
        return sorted(found)  # type: ignore[type-var]
