"""Leaving the warehouse: every order still planned on the route goes out for delivery.

A driver taps "depart" once loaded; one who forgets departs with their first stop event,
since an order cannot be handed over before it is out for delivery.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict
from dispatch.orders.domain import OrderStatus
from dispatch.orders.lifecycle import depart_order
from dispatch.orders.models import Order
from dispatch.stoplists.models import DriverRoute
from dispatch.stoplists.reading import active_route, route_reads
from dispatch.stoplists.schemas import RouteRead
from dispatch.tracking.eta import EtaLimits, refresh_route


def depart_route(db: Session, route: DriverRoute, *, actor_user_id: int | None,
                 at: datetime) -> None:
    """Mark ``route`` (locked by the caller) departed at ``at``; its planned orders go
    out for delivery, locked in id order like every other multi-order write."""
    order_ids = [stop.order_id for stop in route.stops if stop.order_id is not None]
    if order_ids:
        orders = db.scalars(
            select(Order).where(Order.id.in_(order_ids), Order.status == OrderStatus.PLANNED.value)
            .order_by(Order.id).options(selectinload(Order.lines))
            .with_for_update(of=Order)
        ).all()
        for order in orders:
            depart_order(db, order, actor_user_id=actor_user_id)
    route.departed_at = at
    route.version += 1


def depart(uow: UnitOfWork, principal: Principal, *, now: datetime | None = None,
           eta_limits: EtaLimits | None = None) -> RouteRead:
    """The driver has loaded and left; 409 if their route already departed."""
    now = now or utcnow()
    with uow:
        db = uow.db
        route = active_route(db, principal.driver_id, lock=True)
        if route.departed_at is not None:
            raise Conflict(f"route {route.id} departed at {route.departed_at.isoformat()}",
                           field="route", departed_at=route.departed_at.isoformat())
        depart_route(db, route, actor_user_id=principal.user_id, at=now)
        refresh_route(db, route.id, now=now, limits=eta_limits)
        db.flush()
        result = route_reads(db, [route], full_names=False)[0]
        uow.commit()
        return result
