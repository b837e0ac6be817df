"""One read of everything the dispatcher map shows: warehouses, open and recent orders,
drivers where they are, the active routes with their stops and KPIs, and the orders
waiting on a fraud review.

The page polls this after every change it hears of on the event stream, so it is a
handful of column reads in one read-only unit of work, bounded by ``max_orders``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from dispatch.console.schemas import (
    ConsoleDriver,
    ConsoleHold,
    ConsoleOrder,
    ConsolePosition,
    ConsoleRoute,
    ConsoleSnapshot,
    ConsoleStop,
    ConsoleWarehouse,
    RouteKpis,
)
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.fleet.models import Driver, DriverShift
from dispatch.fraud.models import FraudAssessment
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Customer, Order
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPosition

RECENT = timedelta(hours=12)
"""Delivered, failed and cancelled orders stay on the map this long."""
ENDED = (OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value)
OPEN_STOP = ("pending", "arrived")
MAX_HOLDS = 200


def snapshot(uow: UnitOfWork, *, warehouse_id: int | None = None, max_orders: int = 5000,
             now: datetime | None = None) -> ConsoleSnapshot:
    """The operation as the dispatcher map draws it, optionally for one warehouse."""
    now = now or utcnow()
    with uow:
        db = uow.db
        warehouses = db.execute(select(Warehouse.id, Warehouse.code, Warehouse.name,
                                       Warehouse.lat, Warehouse.lon).order_by(Warehouse.id)).all()
        orders_query = (
            select(Order.id, Order.status, Order.lat, Order.lon, Order.warehouse_id,
                   Order.driver_id, Order.window_start, Order.window_end)
            .where(or_(Order.status.not_in(ENDED),
                       and_(Order.status.in_(ENDED), Order.updated_at >= now - RECENT)))
            .order_by(Order.id.desc()).limit(max_orders + 1)
        )
        drivers_query = (
            select(Driver.id, Driver.name, Driver.warehouse_id, Driver.vehicle,
                   DriverPosition.lat, DriverPosition.lon, DriverPosition.recorded_at)
            .outerjoin(DriverPosition, DriverPosition.driver_id == Driver.id)
            .where(Driver.active.is_(True)).order_by(Driver.id)
        )
        routes_query = select(DriverRoute).where(DriverRoute.status == "active")
        if warehouse_id is not None:
            orders_query = orders_query.where(Order.warehouse_id == warehouse_id)
            drivers_query = drivers_query.where(Driver.warehouse_id == warehouse_id)
            routes_query = routes_query.where(DriverRoute.warehouse_id == warehouse_id)
        orders = db.execute(orders_query).all()
        drivers = db.execute(drivers_query).all()
        on_shift = set(db.scalars(
            select(DriverShift.driver_id).where(DriverShift.cancelled.is_(False),
                                                DriverShift.starts_at <= now,
                                                DriverShift.ends_at > now)))
        routes = db.scalars(routes_query.order_by(DriverRoute.id)).all()
        stops = _stops_by_route(db, [route.id for route in routes], now)
        holds = _holds(db, warehouse_id)
        return ConsoleSnapshot(
            at=now,
            warehouses=[ConsoleWarehouse.model_validate(w, from_attributes=True)
                        for w in warehouses],
            orders=[ConsoleOrder.model_validate(o, from_attributes=True)
                    for o in orders[:max_orders]],
            orders_truncated=len(orders) > max_orders,
            drivers=[ConsoleDriver(
                id=d.id, name=d.name, warehouse_id=d.warehouse_id, vehicle=d.vehicle,
                on_shift=d.id in on_shift,
                position=(ConsolePosition(lat=d.lat, lon=d.lon, recorded_at=d.recorded_at)
                          if d.lat is not None else None)) for d in drivers],
            routes=[_route(route, stops.get(route.id, [])) for route in routes],
            holds=holds,
        )


def _holds(db, warehouse_id: int | None) -> list[ConsoleHold]:
    """Orders waiting on a fraud review (at most ``MAX_HOLDS``), oldest first."""
    query = (select(Order.id, Customer.name, Order.total_minor, Order.currency,
                    FraudAssessment.score, FraudAssessment.reasons, Order.created_at)
             .join(Customer, Customer.id == Order.customer_id)
             .join(FraudAssessment, FraudAssessment.order_id == Order.id)
             .where(Order.status == OrderStatus.ON_HOLD.value)
             .order_by(Order.created_at, Order.id).limit(MAX_HOLDS))
    if warehouse_id is not None:
        query = query.where(Order.warehouse_id == warehouse_id)
    return [ConsoleHold(id=o_id, customer=name, total_minor=total, currency=currency,
                        score=score, reasons=[r["detail"] for r in reasons], created_at=at)
            for o_id, name, total, currency, score, reasons, at in db.execute(query)]


def _stops_by_route(db, route_ids: list[int], now: datetime) -> dict[int, list[ConsoleStop]]:
    if not route_ids:
        return {}
    rows = db.execute(
        select(RouteStop.route_id, RouteStop.id, RouteStop.sequence, RouteStop.kind,
               RouteStop.status, RouteStop.order_id, RouteStop.return_id, RouteStop.lat,
               RouteStop.lon, RouteStop.eta, RouteStop.window_start, RouteStop.window_end,
               RouteStop.arrived_at)
        .where(RouteStop.route_id.in_(route_ids))
        .order_by(RouteStop.route_id, RouteStop.sequence)
    ).all()
    by_route: dict[int, list[ConsoleStop]] = defaultdict(list)
    for row in rows:
        served = row.arrived_at or row.eta
        by_route[row.route_id].append(ConsoleStop(
            id=row.id, sequence=row.sequence, kind=row.kind, status=row.status,
            order_id=row.order_id, return_id=row.return_id, lat=row.lat, lon=row.lon,
            eta=row.eta, window_start=row.window_start, window_end=row.window_end,
            late=served > row.window_end))
    return by_route


def _route(route: DriverRoute, stops: list[ConsoleStop]) -> ConsoleRoute:
    hours = (route.planned_end - route.planned_start).total_seconds() / 3600
    return ConsoleRoute(
        id=route.id, driver_id=route.driver_id, warehouse_id=route.warehouse_id,
        plan_id=route.plan_id, planned_start=route.planned_start,
        planned_end=route.planned_end, departed_at=route.departed_at,
        kpis=RouteKpis(stops=len(stops),
                       open_stops=sum(s.status in OPEN_STOP for s in stops),
                       km=round(route.distance_m / 1000, 2), hours=round(hours, 2),
                       late_stops=sum(s.late for s in stops)),
        stops=stops,
    )
