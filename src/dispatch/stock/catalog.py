"""Warehouses and SKUs: creating them and looking them up."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from dispatch.db.crud import add_unique, read_one, read_page
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid, NotFound
from dispatch.stock.models import Sku, Warehouse
from dispatch.stock.schemas import SkuCreate, SkuRead, WarehouseCreate, WarehouseRead


def create_warehouse(uow: UnitOfWork, cmd: WarehouseCreate) -> WarehouseRead:
    return add_unique(uow, Warehouse(**cmd.model_dump()), WarehouseRead,
                      taken=f"warehouse code {cmd.code!r} is taken", field="code")


def list_warehouses(uow: UnitOfWork, *, limit: int, after: int | None) -> tuple[list, str | None]:
    return read_page(uow, select(Warehouse), Warehouse.id, WarehouseRead, limit=limit,
                     after=after)


def get_warehouse(uow: UnitOfWork, warehouse_id: int) -> WarehouseRead:
    return read_one(uow, Warehouse, warehouse_id, WarehouseRead, what="warehouse",
                    field="warehouse_id")


def create_sku(uow: UnitOfWork, cmd: SkuCreate, *, default_currency: str) -> SkuRead:
    sku = Sku(**cmd.model_dump(exclude={"currency"}), currency=cmd.currency or default_currency)
    return add_unique(uow, sku, SkuRead, taken=f"SKU code {cmd.code!r} is taken", field="code")


def list_skus(uow: UnitOfWork, *, limit: int, after: int | None) -> tuple[list, str | None]:
    return read_page(uow, select(Sku), Sku.id, SkuRead, limit=limit, after=after)


def get_sku(uow: UnitOfWork, sku_id: int) -> SkuRead:
    return read_one(uow, Sku, sku_id, SkuRead, what="SKU", field="sku_id")


def skus_by_code(db, codes: Iterable[str], *, field: str = "lines") -> dict[str, Sku]:
    """Active SKUs for ``codes``; an unknown code is a 422 naming where it was used."""
    codes = list(codes)
    found = {s.code: s for s in db.scalars(select(Sku).where(Sku.code.in_(set(codes))))}
    for i, code in enumerate(codes):
        sku = found.get(code)
        if sku is None or not sku.active:
            raise Invalid(f"unknown SKU {code!r}", field=f"{field}[{i}].sku")
    return found


def require_warehouse(db, warehouse_id: int, *, field: str = "warehouse_id") -> Warehouse:
    warehouse = db.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise NotFound(f"warehouse {warehouse_id} does not exist", field=field)
    return warehouse


def require_sku(db, code: str, *, field: str = "sku") -> Sku:
    sku = db.scalars(select(Sku).where(Sku.code == code)).one_or_none()
    if sku is None:
        raise NotFound(f"unknown SKU {code!r}", field=field)
    return sku
