"""What to order: each stock level's demand forecast and reorder advice.

Demand is what customers ordered, day by day (UTC days of order placement, cancelled
orders left out): an order refused for stock is not recorded, so a stockout hides some
demand. Each level's history starts on its first day of demand within the window, so a
SKU launched last week is treated as new rather than as a slow seller with months of
zeros.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatch.analytics.forecast import forecast
from dispatch.analytics.reorder import ReorderPolicy, reorder_advice
from dispatch.analytics.schemas import (
    PolicyRead,
    ReplenishmentLine,
    ReplenishmentQuery,
    ReplenishmentRead,
)
from dispatch.db.uow import UnitOfWork
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order, OrderLine
from dispatch.stock.models import Sku, StockLevel

HORIZON_DAYS = 14
WEEK = 7


def daily_demand(db: Session, warehouse_ids: Iterable[int], first: date, last: date
                 ) -> dict[tuple[int, int], np.ndarray]:
    """Units ordered per (warehouse, SKU) on each day from ``first`` to ``last``
    (inclusive), trimmed to start on the first day with demand."""
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    rows = db.execute(
        select(Order.warehouse_id, OrderLine.sku_id, Order.created_at, OrderLine.quantity)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.warehouse_id.in_(list(warehouse_ids)),
               Order.status != OrderStatus.CANCELLED.value,
               Order.created_at >= start, Order.created_at < end)).all()
    days = (last - first).days + 1
    totals: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(days))
    for warehouse_id, sku_id, created_at, quantity in rows:
        totals[(warehouse_id, sku_id)][(created_at.astimezone(UTC).date() - first).days] += quantity
    return {key: series[int(np.flatnonzero(series)[0]):] for key, series in totals.items()}


def _advise(db: Session, query: ReplenishmentQuery, now: datetime
            ) -> list[tuple[int, ReplenishmentLine]]:
    """Each level's advice with its SKU id, levels to order first."""
    levels_query = (select(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.on_hand,
                           StockLevel.reserved, Sku.code)
                    .join(Sku, Sku.id == StockLevel.sku_id))
    if query.warehouse_id is not None:
        levels_query = levels_query.where(StockLevel.warehouse_id == query.warehouse_id)
    levels = db.execute(levels_query).all()
    last = now.astimezone(UTC).date() - timedelta(days=1)  # whole days only
    demand = daily_demand(db, {level.warehouse_id for level in levels},
                          last - timedelta(days=query.history_days - 1), last)
    policy = policy_of(query)
    lines = []
    for level in levels:
        history = demand.get((level.warehouse_id, level.sku_id), np.zeros(0))
        predicted = forecast(history, HORIZON_DAYS)
        advice = reorder_advice(predicted, on_hand=level.on_hand, reserved=level.reserved,
                                policy=policy)
        reason = advice.reason if len(history) else "no demand recorded: " + advice.reason
        lines.append((level.sku_id, ReplenishmentLine(
            warehouse_id=level.warehouse_id, sku=level.code, on_hand=level.on_hand,
            reserved=level.reserved, free=advice.free, history_days=len(history),
            model=advice.model, forecast_per_day=round(predicted.total(WEEK) / WEEK, 3),
            lead_demand=round(advice.lead_demand, 3), safety_stock=round(advice.safety_stock, 3),
            reorder_point=round(advice.reorder_point, 3), order_quantity=advice.order_quantity,
            reason=reason)))
    lines.sort(key=lambda pair: (pair[1].order_quantity == 0, pair[1].warehouse_id,
                                 pair[1].sku))
    return lines


def policy_of(query: ReplenishmentQuery) -> ReorderPolicy:
    return ReorderPolicy(service_level=query.service_level, lead_days=query.lead_days,
                         review_days=query.review_days)


def _answer(lines: list[tuple[int, ReplenishmentLine]], query: ReplenishmentQuery
            ) -> ReplenishmentRead:
    return ReplenishmentRead(
        policy=PolicyRead(service_level=query.service_level, lead_days=query.lead_days,
                          review_days=query.review_days, history_days=query.history_days),
        items=[line for _, line in lines])


def replenishment(uow: UnitOfWork, query: ReplenishmentQuery, *, now: datetime
                  ) -> ReplenishmentRead:
    """Every stock level (of one warehouse, or all), the ones to order first."""
    with uow:
        lines = _advise(uow.db, query, now)
    return _answer(lines, query)


def apply_points(uow: UnitOfWork, query: ReplenishmentQuery, *, now: datetime
                 ) -> ReplenishmentRead:
    """Write each level's reorder point and safety stock (rounded up to whole units), so
    the low-stock alerts (``GET /stock/alerts``) use them; answers what was written."""
    with uow:
        lines = _advise(uow.db, query, now)
        for sku_id, line in lines:
            uow.db.execute(
                update(StockLevel)
                .where(StockLevel.warehouse_id == line.warehouse_id,
                       StockLevel.sku_id == sku_id)
                .values(reorder_point=math.ceil(line.reorder_point - 1e-9),
                        safety_stock=math.ceil(line.safety_stock - 1e-9)))
        uow.commit()
    return _answer(lines, query)
