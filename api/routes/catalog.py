"""Warehouses and SKUs."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import PageDep, SettingsDep, UowDep, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.stock import catalog
from dispatch.stock.schemas import SkuCreate, SkuRead, WarehouseCreate, WarehouseRead

router = APIRouter(tags=["catalogue"])

Admin = Depends(require(Role.ADMIN))
AdminOrOperator = Depends(require(Role.ADMIN, Role.OPERATOR))
Staff = Depends(require(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR))


@router.post("/warehouses", status_code=201, dependencies=[Admin])
def create_warehouse(body: WarehouseCreate, uow: UowDep) -> WarehouseRead:
    return catalog.create_warehouse(uow, body)


@router.get("/warehouses", dependencies=[Staff])
def list_warehouses(uow: UowDep, page: PageDep) -> Page[WarehouseRead]:
    items, cursor = catalog.list_warehouses(uow, limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/warehouses/{warehouse_id}", dependencies=[Staff])
def get_warehouse(warehouse_id: Id, uow: UowDep) -> WarehouseRead:
    return catalog.get_warehouse(uow, warehouse_id)


@router.post("/skus", status_code=201, dependencies=[AdminOrOperator])
def create_sku(body: SkuCreate, uow: UowDep, settings: SettingsDep) -> SkuRead:
    return catalog.create_sku(uow, body, default_currency=settings.currency)


@router.get("/skus", dependencies=[Staff])
def list_skus(uow: UowDep, page: PageDep) -> Page[SkuRead]:
    items, cursor = catalog.list_skus(uow, limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/skus/{sku_id}", dependencies=[Staff])
def get_sku(sku_id: Id, uow: UowDep) -> SkuRead:
    return catalog.get_sku(uow, sku_id)


__all__ = ["router"]
