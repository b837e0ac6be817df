"""Stock levels, receipts, adjustments, the movement ledger and low-stock alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.deps import PageDep, UowDep, caller, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.stock import service
from dispatch.stock.schemas import Adjustment, LevelRead, MovementRead, Receipt, Thresholds

router = APIRouter(prefix="/stock", tags=["stock"])

Writers = Depends(require(Role.ADMIN, Role.OPERATOR))
Readers = Depends(require(Role.ADMIN, Role.OPERATOR, Role.DISPATCHER))
StockWriter = caller(Role.ADMIN, Role.OPERATOR)
SkuPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", dependencies=[Readers])
def list_levels(
    uow: UowDep,
    page: PageDep,
    warehouse_id: Annotated[Id | None, Query()] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[LevelRead]:
    items, cursor = service.levels(
        uow, warehouse_id=warehouse_id, sku=sku, limit=page.limit, after=page.after
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/alerts", dependencies=[Readers])
def low_stock_alerts(
    uow: UowDep, page: PageDep, warehouse_id: Annotated[Id | None, Query()] = None
) -> Page[LevelRead]:
    """Levels whose available quantity is at or below their reorder point."""
    items, cursor = service.levels(
        uow, warehouse_id=warehouse_id, low_only=True, limit=page.limit, after=page.after
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/movements", dependencies=[Readers])
def movement_history(
    uow: UowDep,
    page: PageDep,
    warehouse_id: Annotated[Id | None, Query()] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    order_id: Annotated[Id | None, Query()] = None,
) -> Page[MovementRead]:
    items, cursor = service.movements(
        uow, warehouse_id=warehouse_id, sku=sku, order_id=order_id,
        limit=page.limit, after=page.after,
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/{warehouse_id}/{sku}", dependencies=[Readers])
def get_level(warehouse_id: Id, sku: SkuPath, uow: UowDep) -> LevelRead:
    return service.get_level(uow, warehouse_id, sku)


@router.put("/{warehouse_id}/{sku}/thresholds", dependencies=[Writers])
def set_thresholds(warehouse_id: Id, sku: SkuPath, body: Thresholds, uow: UowDep) -> LevelRead:
    return service.set_thresholds(uow, warehouse_id, sku, body)


@router.post("/receipts", status_code=201)
def receive_stock(
    body: Receipt, uow: UowDep, principal: StockWriter
) -> LevelRead:
    return service.receive(uow, body, principal)


@router.post("/adjustments", status_code=201)
def adjust_stock(
    body: Adjustment, uow: UowDep, principal: StockWriter
) -> LevelRead:
    return service.adjust(uow, body, principal)
