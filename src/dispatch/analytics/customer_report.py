"""The customer report: RFM segments, repeat purchases and cohorts from the orders placed
(cancelled ones left out; an order's value is its total)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select

from dispatch.analytics.customers import SEGMENTS, Purchase, cohorts, repeat_purchase_rate, rfm
from dispatch.analytics.schemas import CohortRead, CustomersRead, SegmentRead
from dispatch.db.uow import UnitOfWork
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order


def customer_report(uow: UnitOfWork, *, now: datetime, months: int) -> CustomersRead:
    with uow:
        purchases = [Purchase(customer_id, at, total) for customer_id, at, total in uow.db.execute(
            select(Order.customer_id, Order.created_at, Order.total_minor)
            .where(Order.status != OrderStatus.CANCELLED.value))]
    scored = rfm(purchases, now)
    segments = []
    for name in SEGMENTS:
        members = [c for c in scored if c.segment == name]
        if members:
            segments.append(SegmentRead(
                segment=name, customers=len(members),
                mean_recency_days=round(float(np.mean([c.recency_days for c in members])), 2),
                mean_orders=round(float(np.mean([c.frequency for c in members])), 2),
                mean_spent_minor=round(float(np.mean([c.monetary_minor for c in members])), 2)))
    return CustomersRead(
        customers=len(scored), repeat_purchase_rate=round(repeat_purchase_rate(purchases), 4),
        segments=segments,
        cohorts=[CohortRead(month=c.month, customers=c.customers, retention=list(c.retention))
                 for c in cohorts(purchases, now, months)])
