"""Replenishment from recorded orders, on both databases: demand by day, the model and
reorder point of each level, and what to order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dispatch.analytics.replenishment import apply_points, daily_demand, replenishment
from dispatch.analytics.schemas import ReplenishmentQuery
from dispatch.orders.models import Order
from dispatch.stock.models import StockLevel
from dispatch.stock.service import levels
from tests.support.routes import placed_order

NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def place_history(database, world, days=21, units=2, sku="OAT-MILK-1L"):
    """One order of ``units`` a day for the ``days`` days before today, at Monaco; one
    more placed today (today is not a whole day yet, so it is not history)."""
    for back in range(days + 1):
        placed = placed_order(database, world, ((sku, units),), email=f"day{back}@example.com")
        with database.uow() as uow:
            uow.db.execute(update(Order).where(Order.id == placed)
                           .values(created_at=NOW - timedelta(days=back)))
            uow.commit()


def test_daily_demand_starts_on_the_first_day_sold(database, world):
    place_history(database, world, days=3, units=2)
    last = NOW.date() - timedelta(days=1)
    with database.read_uow() as uow:
        demand = daily_demand(uow.db, [world.warehouses["MC"]], last - timedelta(days=9), last)
    assert list(demand) == [(world.warehouses["MC"], world.skus["OAT-MILK-1L"])]
    assert list(next(iter(demand.values()))) == [2, 2, 2]


def test_a_level_below_its_point_is_ordered_first_with_its_reason(database, world):
    """Three weeks of 2 a day: the weekly-profiled model forecasts 2 a day with no
    error. 50 on hand, 44 reserved by those orders: 6 free. Lead time 7 days: 14
    expected, so order back to 2 × (7 + 7) = 28 units: 22."""
    place_history(database, world)
    query = ReplenishmentQuery(warehouse_id=world.warehouses["MC"], lead_days=7,
                               review_days=7, history_days=60)
    result = replenishment(database.uow(), query, now=NOW)
    first = result.items[0]
    assert (first.sku, first.on_hand, first.reserved, first.free) == ("OAT-MILK-1L", 50, 44, 6)
    assert first.model == "seasonal_smoothing" and first.history_days == 21
    assert first.forecast_per_day == pytest.approx(2.0)
    assert first.lead_demand == pytest.approx(14.0) and first.safety_stock == pytest.approx(0)
    assert first.order_quantity == 22 and "below the reorder point 14.0" in first.reason
    rest = {line.sku: line for line in result.items[1:]}
    assert set(rest) == {"RETRO-CLOCK", "ESPRESSO-BEANS"}
    assert all(line.order_quantity == 0 and line.reason.startswith("no demand recorded")
               for line in rest.values())
    assert result.policy.lead_days == 7 and result.policy.history_days == 60


def test_cancelled_orders_are_not_demand(database, world):
    place_history(database, world, days=2)
    with database.uow() as uow:
        uow.db.execute(update(Order).values(status="cancelled"))
        uow.commit()
    result = replenishment(database.uow(), ReplenishmentQuery(history_days=30), now=NOW)
    assert all(line.history_days == 0 for line in result.items)
    assert {line.warehouse_id for line in result.items} == set(world.warehouses.values())


def test_applied_points_drive_the_low_stock_alerts(database, world):
    """The advice is written to the levels, rounded up; the alert list then holds the
    level whose free stock (6) is at or below its new point (14), and not the others."""
    place_history(database, world)
    mc = world.warehouses["MC"]
    query = ReplenishmentQuery(warehouse_id=mc, lead_days=7, review_days=7, history_days=60)
    applied = apply_points(database.uow(), query, now=NOW)
    assert [line.sku for line in applied.items][0] == "OAT-MILK-1L"
    alerts, _ = levels(database.uow(), warehouse_id=mc, low_only=True, limit=50, after=None)
    assert [(a.sku, a.reorder_point, a.safety_stock) for a in alerts] == [("OAT-MILK-1L", 14, 0)]
    with database.read_uow() as uow:  # Nice's levels were not touched
        points = set(uow.db.scalars(select(StockLevel.reorder_point)
                                    .where(StockLevel.warehouse_id == world.warehouses["NCE"])))
    assert points == {0}
