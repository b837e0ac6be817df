"""Moving all of an order's stock at once: release on cancel or decline, ship on delivery."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.orders.models import Order, OrderLine
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import move


def move_order_stock(db: Session, order: Order, kind: MovementKind, *,
                     actor_user_id: int | None, reason: str | None = None) -> None:
    """One movement per SKU (lines of one SKU summed), in ascending SKU id order like
    every other multi-SKU write, so concurrent writers never deadlock."""
    for sku_id, qty in db.execute(
        select(OrderLine.sku_id, func.sum(OrderLine.quantity))
        .where(OrderLine.order_id == order.id)
        .group_by(OrderLine.sku_id)
        .order_by(OrderLine.sku_id)
    ).all():
        move(db, warehouse_id=order.warehouse_id, sku_id=sku_id, kind=kind, quantity=int(qty),
             order_id=order.id, reason=reason, actor_user_id=actor_user_id)
