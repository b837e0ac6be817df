"""Customers from their orders: RFM segments, repeat purchases and monthly cohorts.

RFM scores each customer 1-5 on recency (days since the last order; more recent scores
higher), frequency (orders) and monetary value (total spent), by where they rank among
all customers (quintiles of the ranks, ties sharing a score). Segments read recency and
frequency together: champions order often and lately, at-risk customers used to order
often but have not lately. A cohort is every customer whose first order fell in one month;
its retention is the share of them ordering again k months later.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.stats import rankdata

SEGMENTS = ("champions", "loyal", "new", "at_risk", "hibernating", "needs_attention")


@dataclass(frozen=True)
class Purchase:
    customer_id: int
    at: datetime
    amount_minor: int


@dataclass(frozen=True)
class CustomerRfm:
    customer_id: int
    recency_days: float
    frequency: int
    monetary_minor: int
    r: int
    f: int
    m: int
    segment: str


@dataclass(frozen=True)
class Cohort:
    """``retention[k]``: share of the cohort ordering in month ``first + k`` (1.0 at 0)."""

    month: str
    customers: int
    retention: tuple[float, ...]


def _scores(values: Sequence[float]) -> list[int]:
    """1-5 by quintile of rank (average ranks for ties, so equal values score alike)."""
    if not values:
        return []
    ranks = rankdata(values, method="average") / len(values)
    return [max(1, min(5, math.ceil(5 * p - 1e-9))) for p in ranks]


def segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "new"
    if f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "needs_attention"


def rfm(purchases: Iterable[Purchase], now: datetime) -> list[CustomerRfm]:
    """Each customer's recency, frequency and monetary value, scores and segment."""
    last: dict[int, datetime] = {}
    count: Counter[int] = Counter()
    spent: Counter[int] = Counter()
    for p in purchases:
        last[p.customer_id] = max(last.get(p.customer_id, p.at), p.at)
        count[p.customer_id] += 1
        spent[p.customer_id] += p.amount_minor
    ids = sorted(last)
    recency = [(now - last[c]).total_seconds() / 86400 for c in ids]
    r = _scores([-days for days in recency])
    f = _scores([count[c] for c in ids])
    m = _scores([spent[c] for c in ids])
    return [CustomerRfm(c, round(recency[i], 2), count[c], spent[c], r[i], f[i], m[i],
                        segment(r[i], f[i])) for i, c in enumerate(ids)]


def repeat_purchase_rate(purchases: Iterable[Purchase]) -> float:
    """Share of customers who ordered more than once (0 without customers)."""
    count = Counter(p.customer_id for p in purchases)
    return sum(1 for n in count.values() if n > 1) / len(count) if count else 0.0


def _month(at: datetime) -> int:
    return at.year * 12 + at.month - 1


def cohorts(purchases: Iterable[Purchase], now: datetime, months: int = 6) -> list[Cohort]:
    """Retention by first-order month, for up to ``months`` months after it (only those
    already begun by ``now``)."""
    active: dict[int, set[int]] = defaultdict(set)
    for p in purchases:
        active[p.customer_id].add(_month(p.at))
    members: dict[int, list[int]] = defaultdict(list)
    for customer, seen in active.items():
        members[min(seen)].append(customer)
    current = _month(now)
    result = []
    for first in sorted(members):
        group = members[first]
        span = min(months, current - first + 1)
        retention = tuple(float(np.mean([first + k in active[c] for c in group]))
                          for k in range(span))
        result.append(Cohort(f"{first // 12:04d}-{first % 12 + 1:02d}", len(group), retention))
    return result
