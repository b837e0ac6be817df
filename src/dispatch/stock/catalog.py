"""Warehouses and SKUs: creating them and looking them up."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, Invalid, NotFound
from dispatch.stock.models import Sku, Warehouse
from dispatch.stock.schemas import SkuCreate, SkuRead, WarehouseCreate, WarehouseRead


def create_warehouse(uow: UnitOfWork, cmd: WarehouseCreate) -> WarehouseRead:
    with uow:
        warehouse = Warehouse(**cmd.model_dump())
        uow.db.add(warehouse)
        try:
            uow.db.flush()
        except IntegrityError:
            raise Conflict(f"warehouse code {cmd.code!r} is taken", field="code") from None
        uow.commit()
        return WarehouseRead.model_validate(warehouse)


def list_warehouses(uow: UnitOfWork, *, limit: int, after: int | None) -> tuple[list, str | None]:
    with uow:
        query = keyset(select(Warehouse), Warehouse.id, limit=limit, after=after)
        rows = [WarehouseRead.model_validate(w) for w in uow.db.scalars(query)]
    return page_of(rows, limit)


def get_warehouse(uow: UnitOfWork, warehouse_id: int) -> WarehouseRead:
    with uow:
        warehouse = uow.db.get(Warehouse, warehouse_id)
        if warehouse is None:
            raise NotFound(f"warehouse {warehouse_id} does not exist", field="warehouse_id")
        return WarehouseRead.model_validate(warehouse)


def create_sku(uow: UnitOfWork, cmd: SkuCreate, *, default_currency: str) -> SkuRead:
    with uow:
        sku = Sku(**cmd.model_dump(exclude={"currency"}), currency=cmd.currency or default_currency)
        uow.db.add(sku)
        try:
            uow.db.flush()
        except IntegrityError:
            raise Conflict(f"SKU code {cmd.code!r} is taken", field="code") from None
        uow.commit()
        return SkuRead.model_validate(sku)


def list_skus(uow: UnitOfWork, *, limit: int, after: int | None) -> tuple[list, str | None]:
    with uow:
        query = keyset(select(Sku), Sku.id, limit=limit, after=after)
        rows = [SkuRead.model_validate(s) for s in uow.db.scalars(query)]
    return page_of(rows, limit)


def get_sku(uow: UnitOfWork, sku_id: int) -> SkuRead:
    with uow:
        sku = uow.db.get(Sku, sku_id)
        if sku is None:
            raise NotFound(f"SKU {sku_id} does not exist", field="sku_id")
        return SkuRead.model_validate(sku)


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
