"""Reads the order-side KPI facts of a period from the database.

The period holds the orders whose delivery window starts in it and that are due: their
window has closed by ``now``, or they are delivered already (an order still ahead is not
late yet). Picks, returns and ETAs are those of these orders; stockouts are the refusals
that happened in the period. Days are UTC dates. An order's driver is the one of its
last delivery attempt, else the one it is assigned to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from dispatch.analytics.kpi_facts import (
    EtaFact,
    Facts,
    Keys,
    OrderFact,
    PickFact,
    ReturnFact,
    StockoutFact,
)
from dispatch.analytics.road_days import driver_days
from dispatch.analytics.zones import zone_of
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order, OrderLine, PickRecord
from dispatch.payments.models import Payment
from dispatch.returns.models import Return, ReturnLine
from dispatch.stock.models import Sku, StockoutEvent
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta_profiles import snapshot_error
from dispatch.tracking.models import EtaSnapshot


def due_orders(start: datetime, end: datetime, now: datetime) -> Select:
    return select(Order.id).where(
        Order.window_start >= start, Order.window_start < end,
        or_(Order.window_end < now, Order.status == OrderStatus.DELIVERED.value))


def load_facts(db: Session, start: datetime, end: datetime, now: datetime,
               zone_precision: int) -> Facts:
    """Every fact of the period [start, end)."""
    due = due_orders(start, end, now).scalar_subquery()
    keys: dict[int, Keys] = {}
    attempted_by = _attempted_by(db, due)
    rows = db.execute(
        select(Order.id, Order.status, Order.window_start, Order.window_end, Order.lat,
               Order.lon, Order.driver_id, Order.warehouse_id, Order.delivery_attempts,
               Order.total_minor, Order.delivered_at, Payment.refunded_minor)
        .outerjoin(Payment, Payment.order_id == Order.id)
        .where(Order.id.in_(due)).order_by(Order.id)).all()
    for row in rows:
        keys[row.id] = Keys(row.window_start.date().isoformat(),
                            attempted_by.get(row.id, row.driver_id), row.warehouse_id,
                            zone_of(row.lat, row.lon, zone_precision))
    lines: dict[int, list[tuple[str, int]]] = {}
    for order_id, sku, quantity in db.execute(
            select(OrderLine.order_id, OrderLine.sku_code, OrderLine.quantity)
            .where(OrderLine.order_id.in_(due)).order_by(OrderLine.id)):
        lines.setdefault(order_id, []).append((sku, quantity))
    began = _service_began(db, due)
    facts = Facts()
    for row in rows:
        door = began.get(row.id)
        if door is None and row.delivered_at is not None:  # delivered without a stop
            door = max(row.delivered_at, row.window_start)
        facts.orders.append(OrderFact(
            keys[row.id], row.status, row.window_end, door, row.delivery_attempts,
            tuple(lines.get(row.id, ())), row.total_minor, row.refunded_minor or 0))
    facts.picks = [PickFact(keys[order_id], order_id, matched) for order_id, matched in
                   db.execute(select(PickRecord.order_id, PickRecord.matched)
                              .where(PickRecord.order_id.in_(due)))]
    facts.returns = [ReturnFact(keys[order_id], sku, reason, units)
                     for order_id, sku, reason, units in db.execute(
                         select(Return.order_id, Sku.code, ReturnLine.reason, ReturnLine.quantity)
                         .join(ReturnLine, ReturnLine.return_id == Return.id)
                         .join(Sku, Sku.id == ReturnLine.sku_id)
                         .where(Return.order_id.in_(due)))]
    facts.stockouts = [StockoutFact(Keys(day=at.date().isoformat(), warehouse=warehouse_id),
                                    sku, requested)
                       for at, warehouse_id, sku, requested in db.execute(
                           select(StockoutEvent.occurred_at, StockoutEvent.warehouse_id,
                                  Sku.code, StockoutEvent.requested)
                           .join(Sku, Sku.id == StockoutEvent.sku_id)
                           .where(StockoutEvent.occurred_at >= start,
                                  StockoutEvent.occurred_at < end))]
    facts.etas = _eta_facts(db, due, keys)
    facts.driver_days = driver_days(db, start, end)
    return facts


def _attempted_by(db: Session, due) -> dict[int, int]:
    """The driver of each order's last delivery attempt: a failed order goes back to
    the pool without a driver, but its failure counts against the one who tried."""
    return {order_id: driver_id for order_id, driver_id in db.execute(
        select(RouteStop.order_id, DriverRoute.driver_id)
        .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .where(RouteStop.order_id.in_(due), RouteStop.kind == "delivery",
               RouteStop.finished_at.is_not(None))
        .order_by(RouteStop.finished_at, RouteStop.id))}


def _service_began(db: Session, due) -> dict[int, datetime]:
    """When service began at each order's completed delivery stop."""
    return {order_id: max(arrived, opens) for order_id, arrived, opens in db.execute(
        select(RouteStop.order_id, RouteStop.arrived_at, RouteStop.window_start)
        .where(RouteStop.order_id.in_(due), RouteStop.kind == "delivery",
               RouteStop.status == "completed", RouteStop.arrived_at.is_not(None)))}


def _eta_facts(db: Session, due, keys: dict[int, Keys]) -> list[EtaFact]:
    """Each ETA kept for a delivery stop reached, against when service began there."""
    facts = []
    for order_id, *snapshot in db.execute(
            select(RouteStop.order_id, EtaSnapshot.eta, EtaSnapshot.made_at,
                   RouteStop.arrived_at, RouteStop.window_start)
            .join(RouteStop, RouteStop.id == EtaSnapshot.stop_id)
            .where(RouteStop.order_id.in_(due), RouteStop.kind == "delivery",
                   RouteStop.arrived_at.is_not(None))):
        error = snapshot_error(*snapshot)
        if error is not None:
            facts.append(EtaFact(keys[order_id], error.lead, error.error))
    return facts
