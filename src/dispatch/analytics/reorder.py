"""Reorder points from forecasts: when to order a SKU and how much.

Stock that is free to sell (on hand less reserved) must cover the demand expected until a
new delivery arrives, plus a safety stock against forecast error: z for the chosen service
level × the forecast's one-step error σ × √lead time (days taken as independent). Below
that point an order is due, sized to bring free stock back to the point plus the demand of
one review period (the days until the next order could be placed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from dispatch.analytics.forecast import Forecast


@dataclass(frozen=True)
class ReorderPolicy:
    """``service_level``: the chance of not running out before a delivery arrives;
    ``lead_days``: ordering to receiving; ``review_days``: between two orders."""

    service_level: float = 0.95
    lead_days: float = 2.0
    review_days: float = 7.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1:
            raise ValueError(f"service_level must be in [0.5, 1), got {self.service_level}")
        for name in ("lead_days", "review_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")

    @property
    def z(self) -> float:
        return float(norm.ppf(self.service_level))


@dataclass(frozen=True)
class ReorderAdvice:
    """What to do about one SKU at one warehouse, with the figures behind it."""

    free: int
    lead_demand: float
    safety_stock: float
    reorder_point: float
    order_quantity: int
    model: str

    @property
    def order_now(self) -> bool:
        return self.order_quantity > 0

    @property
    def reason(self) -> str:
        figures = (f"{self.lead_demand:.1f} expected over the lead time + "
                   f"{self.safety_stock:.1f} safety stock ({self.model})")
        if self.order_now:
            return (f"{self.free} free, below the reorder point {self.reorder_point:.1f}: "
                    f"{figures}")
        return f"{self.free} free covers the reorder point {self.reorder_point:.1f}: {figures}"


def _days_of(forecast: Forecast, days: float) -> float:
    """Expected demand over ``days`` (a fraction of a day counts pro rata; beyond the
    forecast's horizon its last day repeats)."""
    values, total, day = forecast.values, 0.0, 0
    while days - day > 0:
        rate = float(values[min(day, len(values) - 1)]) if len(values) else 0.0
        total += rate * min(1.0, days - day)
        day += 1
    return total


def reorder_advice(forecast: Forecast, *, on_hand: int, reserved: int,
                   policy: ReorderPolicy | None = None) -> ReorderAdvice:
    """The advice for one SKU at one warehouse from its forecast and stock level."""
    policy = policy or ReorderPolicy()
    free = on_hand - reserved
    lead_demand = _days_of(forecast, policy.lead_days)
    safety = max(0.0, policy.z * forecast.sigma * math.sqrt(policy.lead_days))
    point = lead_demand + safety
    if free >= point:
        quantity = 0
    else:
        cover = _days_of(forecast, policy.lead_days + policy.review_days) + safety
        quantity = max(1, math.ceil(cover - free))
    return ReorderAdvice(free, lead_demand, safety, point, quantity, forecast.model)
