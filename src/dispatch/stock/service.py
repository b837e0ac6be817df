"""Operator work on stock: receipts, adjustments, thresholds, levels, history, alerts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.auth.service import Principal
from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid, NotFound
from dispatch.stock.catalog import require_sku, require_warehouse
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, StockLevel, StockMovement
from dispatch.stock.schemas import Adjustment, LevelRead, MovementRead, Receipt, Thresholds


def _level_read(level: StockLevel, sku_code: str) -> LevelRead:
    available = level.on_hand - level.reserved
    return LevelRead(
        warehouse_id=level.warehouse_id,
        sku=sku_code,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=available,
        safety_stock=level.safety_stock,
        reorder_point=level.reorder_point,
        low=available <= level.reorder_point,
    )


def _read_level(db: Session, warehouse_id: int, sku: Sku) -> LevelRead:
    level = db.scalars(
        select(StockLevel)
        .where(StockLevel.warehouse_id == warehouse_id, StockLevel.sku_id == sku.id)
        .execution_options(populate_existing=True)
    ).one()
    return _level_read(level, sku.code)


def receive(uow: UnitOfWork, cmd: Receipt, principal: Principal) -> LevelRead:
    """Goods in: on hand goes up by ``quantity``."""
    with uow:
        db = uow.db
        require_warehouse(db, cmd.warehouse_id)
        sku = require_sku(db, cmd.sku)
        ensure_level(db, cmd.warehouse_id, sku.id)
        move(db, warehouse_id=cmd.warehouse_id, sku_id=sku.id, kind=MovementKind.RECEIPT,
             quantity=cmd.quantity, reference=cmd.reference, actor_user_id=principal.user_id)
        result = _read_level(db, cmd.warehouse_id, sku)
        uow.commit()
        return result


def adjust(uow: UnitOfWork, cmd: Adjustment, principal: Principal) -> LevelRead:
    """A counted correction (signed) or a write-off of damaged units (scrap)."""
    if cmd.quantity == 0:
        raise Invalid("quantity must not be 0", field="quantity")
    if cmd.kind == "scrap" and cmd.quantity < 0:
        raise Invalid("scrap takes a positive number of units", field="quantity")
    with uow:
        db = uow.db
        require_warehouse(db, cmd.warehouse_id)
        sku = require_sku(db, cmd.sku)
        ensure_level(db, cmd.warehouse_id, sku.id)
        move(db, warehouse_id=cmd.warehouse_id, sku_id=sku.id, kind=MovementKind(cmd.kind),
             quantity=cmd.quantity, reason=cmd.reason, actor_user_id=principal.user_id)
        result = _read_level(db, cmd.warehouse_id, sku)
        uow.commit()
        return result


def set_thresholds(uow: UnitOfWork, warehouse_id: int, sku_code: str, cmd: Thresholds) -> LevelRead:
    """Safety stock and reorder point for one level (analytics will suggest them later)."""
    with uow:
        db = uow.db
        require_warehouse(db, warehouse_id)
        sku = require_sku(db, sku_code)
        ensure_level(db, warehouse_id, sku.id)
        level = db.scalars(
            select(StockLevel).where(
                StockLevel.warehouse_id == warehouse_id, StockLevel.sku_id == sku.id
            )
        ).one()
        level.safety_stock = cmd.safety_stock
        level.reorder_point = cmd.reorder_point
        db.flush()
        result = _level_read(level, sku.code)
        uow.commit()
        return result


def levels(
    uow: UnitOfWork,
    *,
    warehouse_id: int | None = None,
    sku: str | None = None,
    low_only: bool = False,
    limit: int,
    after: int | None,
) -> tuple[list[LevelRead], str | None]:
    """Stock levels, optionally only those at or below their reorder point."""
    with uow:
        query = keyset(select(StockLevel, Sku.code).join(Sku, Sku.id == StockLevel.sku_id),
                       StockLevel.id, limit=limit, after=after)
        if warehouse_id is not None:
            query = query.where(StockLevel.warehouse_id == warehouse_id)
        if sku is not None:
            query = query.where(Sku.code == sku)
        if low_only:
            query = query.where(
                StockLevel.on_hand - StockLevel.reserved <= StockLevel.reorder_point
            )
        rows = uow.db.execute(query).all()
        items = [(level.id, _level_read(level, code)) for level, code in rows]
    page, cursor = page_of(items, limit, key=lambda item: item[0])
    return [read for _, read in page], cursor


def movements(
    uow: UnitOfWork,
    *,
    warehouse_id: int | None = None,
    sku: str | None = None,
    order_id: int | None = None,
    limit: int,
    after: int | None,
) -> tuple[list[MovementRead], str | None]:
    """The ledger, newest first; ``cursor`` continues to older entries."""
    with uow:
        query = keyset(
            select(StockMovement, Sku.code).join(Sku, Sku.id == StockMovement.sku_id),
            StockMovement.id, limit=limit, after=after, descending=True,
        )
        if warehouse_id is not None:
            query = query.where(StockMovement.warehouse_id == warehouse_id)
        if sku is not None:
            query = query.where(Sku.code == sku)
        if order_id is not None:
            query = query.where(StockMovement.order_id == order_id)
        items = [
            MovementRead(
                id=m.id, warehouse_id=m.warehouse_id, sku=code, kind=m.kind, quantity=m.quantity,
                on_hand_delta=m.on_hand_delta, reserved_delta=m.reserved_delta, reason=m.reason,
                reference=m.reference, order_id=m.order_id, return_id=m.return_id,
                created_at=m.created_at,
            )
            for m, code in uow.db.execute(query).all()
        ]
    return page_of(items, limit)


def get_level(uow: UnitOfWork, warehouse_id: int, sku_code: str) -> LevelRead:
    with uow:
        db = uow.db
        require_warehouse(db, warehouse_id)
        sku = require_sku(db, sku_code)
        level = db.scalars(
            select(StockLevel).where(
                StockLevel.warehouse_id == warehouse_id, StockLevel.sku_id == sku.id
            )
        ).one_or_none()
        if level is None:
            raise NotFound(f"no stock of {sku_code} recorded at warehouse {warehouse_id}")
        return _level_read(level, sku.code)
