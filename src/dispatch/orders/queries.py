"""Reading orders: one, a filtered page, and an order's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Customer, Order, OrderEvent
from dispatch.orders.reading import order_reads, visible_order
from dispatch.orders.schemas import OrderEventRead, OrderRead


def get_order(uow: UnitOfWork, order_id: int, principal: Principal) -> OrderRead:
    with uow:
        return order_reads(uow.db, [visible_order(uow.db, order_id, principal)])[0]


def list_orders(
    uow: UnitOfWork,
    principal: Principal,
    *,
    status: list[OrderStatus] | None = None,
    warehouse_id: int | None = None,
    customer_id: int | None = None,
    customer_email: str | None = None,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
    limit: int,
    after: int | None,
) -> tuple[list[OrderRead], str | None]:
    """Orders, oldest first; drivers only ever see orders on their own route."""
    with uow:
        db = uow.db
        query = keyset(
            select(Order).options(selectinload(Order.lines), selectinload(Order.customer)),
            Order.id, limit=limit, after=after,
        )
        if principal.role is Role.DRIVER:
            query = query.where(Order.driver_id == principal.driver_id)
        if status:
            query = query.where(Order.status.in_([s.value for s in status]))
        if warehouse_id is not None:
            query = query.where(Order.warehouse_id == warehouse_id)
        if customer_id is not None:
            query = query.where(Order.customer_id == customer_id)
        if customer_email is not None:
            query = query.join(Customer).where(Customer.email == customer_email.lower())
        if window_from is not None:
            query = query.where(Order.window_end >= window_from)
        if window_to is not None:
            query = query.where(Order.window_start <= window_to)
        rows = order_reads(db, db.scalars(query).all())
    return page_of(rows, limit)


def order_events(uow: UnitOfWork, order_id: int, principal: Principal) -> list[OrderEventRead]:
    with uow:
        order = visible_order(uow.db, order_id, principal)
        rows = uow.db.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
        return [OrderEventRead.model_validate(e) for e in rows]
