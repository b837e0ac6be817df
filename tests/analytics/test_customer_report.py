"""The customer report from recorded orders, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from dispatch.analytics.customer_report import customer_report
from dispatch.orders.models import Order
from tests.support.routes import placed_order


def _place(database, world, email):
    return placed_order(database, world, (("OAT-MILK-1L", 1),), email=email)


def test_repeat_customers_segments_and_this_months_cohort(database, world):
    """Marie orders twice, Bob once, Carl's only order is cancelled: two customers, one
    of them back, both in this month's cohort."""
    for email in ("marie@example.com", "marie@example.com", "bob@example.com"):
        _place(database, world, email)
    cancelled = _place(database, world, "carl@example.com")
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == cancelled).values(status="cancelled"))
        uow.commit()
    report = customer_report(database.uow(), now=datetime.now(UTC), months=3)
    assert report.customers == 2 and report.repeat_purchase_rate == 0.5
    assert sum(s.customers for s in report.segments) == 2
    (cohort,) = report.cohorts
    assert cohort.month == datetime.now(UTC).strftime("%Y-%m")
    assert (cohort.customers, cohort.retention) == (2, [1.0])
