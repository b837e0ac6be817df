"""The KPIs of a set of facts (``kpi_facts``), overall or per group.

Definitions, each over the facts given:
- on-time rate: orders served by the end of their window, over orders due and not
  cancelled (one never delivered is not on time); lateness (mean, p90) over delivered
  orders, zero when on time;
- first-attempt success: orders delivered at their first attempt, over orders attempted;
- pick mismatches per 100 orders picked (order accuracy);
- fill rate: units accepted, over those plus the units asked for by orders refused for
  want of stock (a refusal loses the whole order's demand for that SKU);
- return rate: units returned over units delivered, by reason and by SKU;
- ETA error: |actual - predicted| of every ETA shown, mean and p90, and by how far ahead
  of the door it was shown; bias is the signed mean (positive: later than said);
- km, minutes on the road per delivery, stops per hour on the road, and utilisation
  (time on the road over rostered shift time);
- revenue (totals of delivered orders) and refunds, in minor units.
Percentiles interpolate linearly (numpy's default). A ratio with nothing to divide by is
None, not zero: "no deliveries" is not "0% on time".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dispatch.analytics.kpi_facts import Facts

LEAD_BANDS_MIN: tuple[tuple[float, float | None], ...] = (
    (0, 15), (15, 30), (30, 60), (60, 120), (120, None))
"""How far ahead an ETA was shown, in minutes: [low, high)."""


@dataclass(frozen=True)
class EtaBand:
    lead: str  # "0-15", ..., "120+" minutes
    samples: int
    mae_min: float | None
    p90_min: float | None
    bias_min: float | None


@dataclass(frozen=True)
class SkuReturns:
    sku: str
    units_returned: int
    units_delivered: int
    rate: float | None


@dataclass(frozen=True)
class Kpis:
    orders: int
    cancelled: int
    delivered: int
    on_time_rate: float | None
    lateness_mean_min: float | None
    lateness_p90_min: float | None
    first_attempt_success: float | None
    pick_mismatches_per_100: float | None
    units_ordered: int
    units_short: int
    fill_rate: float | None
    stockout_events: int
    units_returned: int
    return_rate: float | None
    returns_by_reason: dict[str, int]
    returns_by_sku: list[SkuReturns]
    eta_samples: int
    eta_mae_min: float | None
    eta_p90_min: float | None
    eta_bias_min: float | None
    eta_by_lead: list[EtaBand]
    km: float | None
    km_per_delivery: float | None
    minutes_per_delivery: float | None
    stops_per_route_hour: float | None
    driver_utilisation: float | None
    revenue_minor: int
    refunds_minor: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def kpis(facts: Facts) -> Kpis:
    """Every KPI of ``facts``."""
    live = [o for o in facts.orders if o.status != "cancelled"]
    delivered = [o for o in live if o.status == "delivered" and o.began is not None]
    lateness = [max(0.0, (o.began - o.window_end).total_seconds() / 60) for o in delivered]
    attempted = [o for o in live if o.attempts > 0]
    units = sum(o.units for o in live)
    short = sum(s.units for s in facts.stockouts)
    returned = sum(r.units for r in facts.returns)
    delivered_units = sum(o.units for o in delivered)
    picked = {p.order_id for p in facts.picks}
    return Kpis(
        orders=len(live), cancelled=len(facts.orders) - len(live), delivered=len(delivered),
        on_time_rate=_ratio(sum(1 for late in lateness if late == 0), len(live)),
        lateness_mean_min=_mean(lateness), lateness_p90_min=_p90(lateness),
        first_attempt_success=_ratio(sum(1 for o in delivered if o.attempts == 1),
                                     len(attempted)),
        pick_mismatches_per_100=_per_100(sum(1 for p in facts.picks if not p.matched),
                                         len(picked)),
        units_ordered=units, units_short=short, fill_rate=_ratio(units, units + short),
        stockout_events=len(facts.stockouts),
        units_returned=returned, return_rate=_ratio(returned, delivered_units),
        returns_by_reason=_by_reason(facts), returns_by_sku=_by_sku(facts, delivered),
        **_eta(facts), **_road(facts),
        revenue_minor=sum(o.total_minor for o in delivered),
        refunds_minor=sum(o.refunded_minor for o in facts.orders),
    )


def grouped(facts: Facts, group: str) -> list[tuple[str | int, Kpis]]:
    """The KPIs of each key of ``group`` (day, driver, warehouse or zone), in key order."""
    return [(key, kpis(facts.only(group, key))) for key in facts.keys_of(group)]


def _by_reason(facts: Facts) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for r in facts.returns:
        counts[r.reason] += r.units
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _by_sku(facts: Facts, delivered: Sequence) -> list[SkuReturns]:
    """SKUs with returns, most returned first."""
    returned: Counter[str] = Counter()
    for r in facts.returns:
        returned[r.sku] += r.units
    out: Counter[str] = Counter()
    for order in delivered:
        for sku, units in order.lines:
            out[sku] += units
    rows = [SkuReturns(sku, units, out[sku], _ratio(units, out[sku]))
            for sku, units in returned.items()]
    return sorted(rows, key=lambda r: (-r.units_returned, r.sku))


def _eta(facts: Facts) -> dict[str, Any]:
    errors = [e.error_seconds / 60 for e in facts.etas]
    bands = []
    for low, high in LEAD_BANDS_MIN:
        inside = [e.error_seconds / 60 for e in facts.etas
                  if low * 60 <= e.lead_seconds and (high is None or e.lead_seconds < high * 60)]
        bands.append(EtaBand(f"{low:g}-{high:g}" if high is not None else f"{low:g}+",
                             len(inside), _mean(np.abs(inside)), _p90(np.abs(inside)),
                             _mean(inside)))
    return {"eta_samples": len(errors), "eta_mae_min": _mean(np.abs(errors)),
            "eta_p90_min": _p90(np.abs(errors)), "eta_bias_min": _mean(errors),
            "eta_by_lead": bands}


def _road(facts: Facts) -> dict[str, float | None]:
    days = facts.driver_days
    if not days:
        return dict.fromkeys(("km", "km_per_delivery", "minutes_per_delivery",
                              "stops_per_route_hour", "driver_utilisation"))
    km = sum(d.km for d in days)
    seconds = sum(d.road_seconds for d in days)
    deliveries = sum(d.deliveries_done for d in days)
    return {"km": km, "km_per_delivery": _ratio(km, deliveries),
            "minutes_per_delivery": _ratio(seconds / 60, deliveries),
            "stops_per_route_hour": _ratio(sum(d.stops_done for d in days), seconds / 3600),
            "driver_utilisation": _ratio(seconds, sum(d.shift_seconds for d in days))}


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _per_100(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _mean(values: Sequence[float] | np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _p90(values: Sequence[float] | np.ndarray) -> float | None:
    return float(np.percentile(values, 90)) if len(values) else None
