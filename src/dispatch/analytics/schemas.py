"""Response bodies of the analytics endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dispatch.common.schemas import ReadModel


class PolicyRead(BaseModel):
    service_level: float
    lead_days: float
    review_days: float
    history_days: int


class ReplenishmentLine(ReadModel):
    """One stock level: its forecast, reorder point and what to order now."""

    warehouse_id: int
    sku: str
    on_hand: int
    reserved: int
    free: int = Field(description="on hand less reserved")
    history_days: int = Field(description="days of demand the forecast was fitted on")
    model: str = Field(description="holt_winters, seasonal_smoothing, croston_sba or mean")
    forecast_per_day: float = Field(description="mean daily demand expected over a week")
    lead_demand: float
    safety_stock: float
    reorder_point: float
    order_quantity: int = Field(description="units to order now (0: none)")
    reason: str


class ReplenishmentRead(BaseModel):
    policy: PolicyRead
    items: list[ReplenishmentLine]
