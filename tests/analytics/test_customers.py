"""RFM scores and segments, repeat purchases and cohorts, on small hand-checked data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.customers import (
    Purchase,
    cohorts,
    repeat_purchase_rate,
    rfm,
    segment,
)

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def bought(customer, days_ago, amount=1000):
    return Purchase(customer, NOW - timedelta(days=days_ago), amount)


# Five customers: 1 orders often and lately; 2 often but long ago; 3 once, yesterday;
# 4 once, long ago; 5 twice, a month ago.
HISTORY = [bought(1, d, 3000) for d in (1, 5, 9, 14)] + [bought(2, d, 900) for d in (90, 95, 100, 110)] \
    + [bought(3, 1, 500), bought(4, 200, 800), bought(5, 30, 2000), bought(5, 33, 2000)]


def test_rfm_scores_rank_customers_into_quintiles():
    by_id = {c.customer_id: c for c in rfm(HISTORY, NOW)}
    one = by_id[1]
    assert (one.recency_days, one.frequency, one.monetary_minor) == (1.0, 4, 12000)
    # Recency: 1 and 3 tie for the most recent (score 5), then 5, 2, 4.
    assert [by_id[c].r for c in (1, 3, 5, 2, 4)] == [5, 5, 3, 2, 1]
    # Frequency: 1 and 2 tie at four orders, 5 has two, 3 and 4 one each.
    assert [by_id[c].f for c in (1, 2, 5, 3, 4)] == [5, 5, 3, 2, 2]
    assert [by_id[c].m for c in (1, 5, 2, 4, 3)] == [5, 4, 3, 2, 1]


def test_segments_read_recency_and_frequency():
    by_id = {c.customer_id: c.segment for c in rfm(HISTORY, NOW)}
    assert by_id == {1: "champions", 2: "at_risk", 3: "new", 4: "hibernating", 5: "loyal"}
    assert segment(3, 1) == "needs_attention"


def test_repeat_purchase_rate():
    assert repeat_purchase_rate(HISTORY) == pytest.approx(3 / 5)
    assert repeat_purchase_rate([]) == 0.0


def test_cohorts_by_first_order_month():
    """April: customers 7 and 8, of whom 7 orders again in May and 8 in June. May:
    customer 9, who does not come back. July has not begun, so it is not counted."""
    at = lambda month, day: datetime(2026, month, day, tzinfo=UTC)  # noqa: E731
    purchases = [Purchase(7, at(4, 2), 1), Purchase(8, at(4, 20), 1), Purchase(7, at(5, 3), 1),
                 Purchase(8, at(6, 1), 1), Purchase(9, at(5, 9), 1)]
    april, may = cohorts(purchases, NOW, months=6)
    assert (april.month, april.customers, april.retention) == ("2026-04", 2, (1.0, 0.5, 0.5))
    assert (may.month, may.customers, may.retention) == ("2026-05", 1, (1.0, 0.0))
    assert cohorts(purchases, NOW, months=2)[0].retention == (1.0, 0.5)
