"""Request and response bodies for warehouses, SKUs and stock."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from dispatch.common.schemas import Command, Id, ReadModel

SkuCode = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class WarehouseCreate(Command):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=120)
    address: str | None = Field(None, max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class WarehouseRead(ReadModel):
    id: int
    code: str
    name: str
    address: str | None
    lat: float
    lon: float


class SkuCreate(Command):
    code: str = SkuCode
    name: str = Field(min_length=1, max_length=200)
    price_minor: int = Field(ge=0, le=10**12, description="price in minor units (cents)")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="default: settings")
    weight_g: int = Field(ge=0, le=10**7)
    volume_ml: int = Field(ge=0, le=10**7)
    skills: list[str] = Field(default_factory=list, max_length=10, description="e.g. refrigerated")


class SkuRead(ReadModel):
    id: int
    code: str
    name: str
    price_minor: int
    currency: str
    weight_g: int
    volume_ml: int
    skills: list[str]
    active: bool


class Receipt(Command):
    warehouse_id: Id
    sku: str = SkuCode
    quantity: int = Field(ge=1, le=10**7)
    reference: str | None = Field(None, max_length=120, description="delivery note, PO number")


class Adjustment(Command):
    warehouse_id: Id
    sku: str = SkuCode
    kind: Literal["adjustment", "scrap"] = "adjustment"
    quantity: int = Field(
        ge=-(10**7), le=10**7, description="signed for adjustments, positive units for scrap"
    )
    reason: str = Field(min_length=1, max_length=300)


class Thresholds(Command):
    safety_stock: int = Field(ge=0, le=10**7)
    reorder_point: int = Field(ge=0, le=10**7)


class LevelRead(ReadModel):
    warehouse_id: int
    sku: str
    on_hand: int
    reserved: int
    available: int
    safety_stock: int
    reorder_point: int
    low: bool


class MovementRead(ReadModel):
    id: int
    warehouse_id: int
    sku: str
    kind: str
    quantity: int
    on_hand_delta: int
    reserved_delta: int
    reason: str | None
    reference: str | None
    order_id: int | None
    return_id: int | None
    created_at: datetime
