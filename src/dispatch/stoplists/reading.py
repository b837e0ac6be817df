"""Finding routes and stops a caller may see, and turning them into stop lists.

A driver sees their own active route with each customer's first name only; dispatchers
see any route with full names. Everything a stop list shows (orders, customers, items,
returned units, cash due, far flags) is fetched in one query per kind, whatever the
number of stops.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.orders.models import Order, OrderLine
from dispatch.payments.domain import PaymentMethod, PaymentStatus
from dispatch.payments.models import Payment
from dispatch.returns.models import Return, ReturnLine
from dispatch.stock.models import Sku, Warehouse
from dispatch.stoplists.domain import RouteStatus, StopKind
from dispatch.stoplists.models import DriverRoute, RouteStop, StopEvent
from dispatch.stoplists.schemas import (
    CashRead,
    ContactRead,
    ItemRead,
    RouteRead,
    StopRead,
    WarehouseRead,
)


def first_name(name: str) -> str:
    """What a driver needs to greet the customer, and no more."""
    parts = name.split()
    return parts[0] if parts else name


class _Context:
    """Everything some stops refer to, loaded in one query per kind."""

    def __init__(self, db: Session, stops: Sequence[RouteStop],
                 warehouse_ids: set[int] = frozenset()) -> None:
        return_ids = {s.return_id for s in stops if s.return_id is not None}
        self.returns = {r.id: r for r in db.scalars(
            select(Return).where(Return.id.in_(return_ids)).options(selectinload(Return.lines))
        )} if return_ids else {}
        order_ids = {s.order_id for s in stops if s.order_id is not None}
        order_ids |= {r.order_id for r in self.returns.values()}
        self.orders = {o.id: o for o in db.scalars(
            select(Order).where(Order.id.in_(order_ids))
            .options(selectinload(Order.lines), selectinload(Order.customer))
        )} if order_ids else {}
        sku_ids = {line.sku_id for o in self.orders.values() for line in o.lines}
        sku_ids |= {line.sku_id for r in self.returns.values() for line in r.lines}
        self.skus = {sku.id: sku for sku in db.scalars(
            select(Sku).where(Sku.id.in_(sku_ids)))} if sku_ids else {}
        self.cash_due = {p.order_id: p for p in db.scalars(
            select(Payment).where(Payment.order_id.in_(order_ids),
                                  Payment.method == PaymentMethod.CASH_ON_DELIVERY.value,
                                  Payment.status == PaymentStatus.AUTHORISED.value)
        )} if order_ids else {}
        stop_ids = [s.id for s in stops]
        self.flagged = set(db.scalars(
            select(StopEvent.stop_id).where(StopEvent.stop_id.in_(stop_ids),
                                            StopEvent.flagged_far.is_(True))
        )) if stop_ids else set()
        self.warehouses = {w.id: w for w in db.scalars(
            select(Warehouse).where(Warehouse.id.in_(warehouse_ids)))} if warehouse_ids else {}

    def items(self, lines: Sequence[OrderLine] | Sequence[ReturnLine]) -> list[ItemRead]:
        """Units per SKU, in line order (several lines of one SKU summed)."""
        summed: defaultdict[int, int] = defaultdict(int)
        for line in lines:
            summed[line.sku_id] += line.quantity
        return [ItemRead(sku=self.skus[sku_id].code, name=self.skus[sku_id].name,
                         quantity=quantity) for sku_id, quantity in summed.items()]

    def stop_read(self, stop: RouteStop, *, full_names: bool) -> StopRead:
        ret = self.returns.get(stop.return_id) if stop.return_id is not None else None
        order_id = stop.order_id if stop.order_id is not None else (ret.order_id if ret else None)
        order = self.orders.get(order_id) if order_id is not None else None
        delivery = stop.kind == StopKind.DELIVERY.value
        contact = None
        if order is not None:
            name = order.customer.name
            contact = ContactRead(name=name if full_names else first_name(name),
                                  phone=order.customer.phone)
        cash = self.cash_due.get(order.id) if (order is not None and delivery) else None
        return StopRead(
            id=stop.id, sequence=stop.sequence, kind=stop.kind, status=stop.status,
            order_id=stop.order_id, return_id=stop.return_id, eta=stop.eta,
            eta_low=stop.eta_low, eta_high=stop.eta_high, window_start=stop.window_start,
            window_end=stop.window_end, address_text=order.address_text if order else None,
            lat=stop.lat, lon=stop.lon, customer=contact, notes=order.notes if order else None,
            items=self.items(order.lines) if (order is not None and delivery) else [],
            collect=self.items(ret.lines) if ret is not None else [],
            cash_to_collect=(CashRead(amount_minor=cash.amount_minor, currency=cash.currency)
                             if cash is not None else None),
            arrived_at=stop.arrived_at, finished_at=stop.finished_at,
            failure_reason=stop.failure_reason, flagged_far=stop.id in self.flagged,
        )

    def route_read(self, route: DriverRoute, *, full_names: bool) -> RouteRead:
        warehouse = self.warehouses[route.warehouse_id]
        return RouteRead(
            id=route.id, status=route.status, driver_id=route.driver_id, plan_id=route.plan_id,
            planned_start=route.planned_start, planned_end=route.planned_end,
            departed_at=route.departed_at, distance_m=route.distance_m,
            warehouse=WarehouseRead.model_validate(warehouse),
            stops=[self.stop_read(stop, full_names=full_names) for stop in route.stops],
            version=route.version,
        )


def route_reads(db: Session, routes: Sequence[DriverRoute], *,
                full_names: bool) -> list[RouteRead]:
    """Stop lists for ``routes``; ``full_names`` False gives a driver's view."""
    if not routes:
        return []
    context = _Context(db, [stop for route in routes for stop in route.stops],
                       {route.warehouse_id for route in routes})
    return [context.route_read(route, full_names=full_names) for route in routes]


def stop_read(db: Session, stop: RouteStop, *, full_names: bool) -> StopRead:
    """One stop as its route's stop list shows it."""
    return _Context(db, [stop]).stop_read(stop, full_names=full_names)


def active_route(db: Session, driver_id: int, *, lock: bool = False) -> DriverRoute:
    """The driver's current route (the newest active one); 404 when they have none."""
    query = (select(DriverRoute)
             .where(DriverRoute.driver_id == driver_id,
                    DriverRoute.status == RouteStatus.ACTIVE.value)
             .order_by(DriverRoute.id.desc()).limit(1)
             .options(selectinload(DriverRoute.stops)))
    if lock:
        query = query.with_for_update(of=DriverRoute)
    route = db.scalars(query).first()
    if route is None:
        raise NotFound("you have no active route", field="route")
    return route


def own_stop(db: Session, stop_id: int, driver_id: int) -> RouteStop:
    """The stop if it is on one of the driver's routes; otherwise 404, whether or not it
    exists, so a driver cannot learn about another driver's stops."""
    stop = db.scalars(
        select(RouteStop).join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .where(RouteStop.id == stop_id, DriverRoute.driver_id == driver_id)
    ).one_or_none()
    if stop is None:
        raise NotFound(f"stop {stop_id} does not exist", field="stop_id")
    return stop


def my_route(uow: UnitOfWork, driver_id: int) -> RouteRead:
    with uow:
        return route_reads(uow.db, [active_route(uow.db, driver_id)], full_names=False)[0]


def get_route(uow: UnitOfWork, route_id: int) -> RouteRead:
    with uow:
        route = uow.db.scalars(select(DriverRoute).where(DriverRoute.id == route_id)
                               .options(selectinload(DriverRoute.stops))).one_or_none()
        if route is None:
            raise NotFound(f"route {route_id} does not exist", field="route_id")
        return route_reads(uow.db, [route], full_names=True)[0]


def list_routes(uow: UnitOfWork, *, driver_id: int | None = None,
                status: list[str] | None = None, limit: int,
                after: int | None) -> tuple[list[RouteRead], str | None]:
    """Routes, newest first, with their stop lists (staff view)."""
    with uow:
        query = keyset(select(DriverRoute).options(selectinload(DriverRoute.stops)),
                       DriverRoute.id, limit=limit, after=after, descending=True)
        if driver_id is not None:
            query = query.where(DriverRoute.driver_id == driver_id)
        if status:
            query = query.where(DriverRoute.status.in_(status))
        routes = list(uow.db.scalars(query))
        page, cursor = page_of(routes, limit)
        return route_reads(uow.db, page, full_names=True), cursor
