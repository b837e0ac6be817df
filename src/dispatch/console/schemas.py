"""What the dispatcher page draws: one snapshot of the operation, small enough to poll."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dispatch.common.schemas import ReadModel


class ConsoleWarehouse(ReadModel):
    id: int
    code: str
    name: str
    lat: float
    lon: float


class ConsoleOrder(ReadModel):
    id: int
    status: str
    lat: float
    lon: float
    warehouse_id: int
    driver_id: int | None
    window_start: datetime
    window_end: datetime


class ConsoleHold(ReadModel):
    """An order fraud screening holds for review, with why."""

    id: int
    customer: str
    total_minor: int
    currency: str
    score: float
    reasons: list[str]
    created_at: datetime


class ConsolePosition(ReadModel):
    lat: float
    lon: float
    recorded_at: datetime


class ConsoleDriver(ReadModel):
    id: int
    name: str
    warehouse_id: int
    vehicle: str
    on_shift: bool
    position: ConsolePosition | None


class ConsoleStop(ReadModel):
    id: int
    sequence: int
    kind: str
    status: str
    order_id: int | None
    return_id: int | None
    lat: float
    lon: float
    eta: datetime
    window_start: datetime
    window_end: datetime
    late: bool


class RouteKpis(ReadModel):
    """What a dispatcher compares routes by."""

    stops: int
    open_stops: int
    km: float
    hours: float
    late_stops: int


class ConsoleRoute(ReadModel):
    id: int
    driver_id: int
    warehouse_id: int
    plan_id: int | None
    planned_start: datetime
    planned_end: datetime
    departed_at: datetime | None
    kpis: RouteKpis
    stops: list[ConsoleStop]


class ConsoleSnapshot(ReadModel):
    at: datetime
    warehouses: list[ConsoleWarehouse]
    orders: list[ConsoleOrder]
    drivers: list[ConsoleDriver]
    routes: list[ConsoleRoute]
    orders_truncated: bool
    holds: list[ConsoleHold] = Field(
        default_factory=list, description="orders held by fraud screening, oldest first")
