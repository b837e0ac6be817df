"""Response bodies of the analytics endpoints."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch.analytics.kpis import Kpis
from dispatch.analytics.time_lost import TimeLost
from dispatch.analytics.zones import DEFAULT_PRECISION
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


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
"""Days a report can cover: any the service can have recorded, with room to compute."""


class PeriodQuery(Command):
    """A period of whole UTC days, ``from`` to ``to`` inclusive, and how to group it
    (KPIs, time lost)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    start: date = Field(alias="from", ge=FIRST_DAY, le=LAST_DAY,
                        description="first day (UTC) of the period")
    end: date = Field(alias="to", ge=FIRST_DAY, le=LAST_DAY,
                      description="last day (UTC) of the period, included")
    group_by: Literal["day", "driver", "warehouse", "zone"] | None = None
    zone_precision: int = Field(
        DEFAULT_PRECISION, ge=4, le=8,
        description="geohash length of a zone: 5 ≈ 4.9 km, 6 ≈ 1.2 × 0.6 km, 7 ≈ 150 m")


class KpiGroupRead(BaseModel):
    key: str = Field(description="the day, driver id, warehouse id or zone (geohash)")
    label: str = Field(description="the driver's name or the warehouse's code, else the key")
    kpis: Kpis


class KpiReportRead(BaseModel):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    group_by: str | None
    currency: str
    overall: Kpis
    groups: list[KpiGroupRead]


class GroupTimeLostRead(BaseModel):
    key: str
    label: str
    time_lost: TimeLost


class RouteTimeLostRead(BaseModel):
    route_id: int
    driver_id: int | None
    driver: str | None
    day: str | None
    time_lost: TimeLost


class TimeLostRead(BaseModel):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    group_by: str | None
    overall: TimeLost
    groups: list[GroupTimeLostRead]
    worst_routes: list[RouteTimeLostRead] = Field(
        description="routes that lost the most minutes to driving and service over plan")
