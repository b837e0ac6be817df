"""Response bodies of the analytics endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dispatch.common.schemas import Command, Id, ReadModel


class ReplenishmentQuery(Command):
    """Which levels to advise on (the query of GET, the body of apply), and the policy."""

    warehouse_id: Id | None = None
    service_level: float = Field(0.95, ge=0.5, le=0.999)
    lead_days: float = Field(2.0, ge=0, le=60, allow_inf_nan=False)
    review_days: float = Field(7.0, ge=0, le=60, allow_inf_nan=False)
    history_days: int = Field(182, ge=7, le=730)


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


class SegmentRead(BaseModel):
    segment: str
    customers: int
    mean_recency_days: float
    mean_orders: float
    mean_spent_minor: float


class CohortRead(BaseModel):
    month: str = Field(description="the month of the cohort's first orders, YYYY-MM (UTC)")
    customers: int
    retention: list[float] = Field(description="share ordering in each month from the first")


class CustomersRead(BaseModel):
    customers: int
    repeat_purchase_rate: float
    segments: list[SegmentRead]
    cohorts: list[CohortRead]
