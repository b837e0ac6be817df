"""Request and response bodies for plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from dispatch.common.schemas import Command, Id, ReadModel


class WeightsIn(Command):
    """What a route costs; the solver minimises the sum (objective "cost")."""

    cost_per_km: float = Field(1.0, ge=0, le=1_000_000, allow_inf_nan=False)
    cost_per_hour: float = Field(0.0, ge=0, le=1_000_000, allow_inf_nan=False)
    fixed_cost_per_driver: float = Field(0.0, ge=0, le=1_000_000, allow_inf_nan=False)
    late_cost_per_hour: float = Field(
        600.0, ge=0, le=1_000_000, allow_inf_nan=False,
        description="with serve_late: what an hour past a customer's window costs")
    margin_cost_per_hour: float = Field(
        300.0, ge=0, le=1_000_000, allow_inf_nan=False,
        description="with close_margin_minutes: what an hour inside the margin costs")
    promise_cost_per_hour: float = Field(
        120.0, ge=0, le=1_000_000, allow_inf_nan=False,
        description="what an hour past the ETA a planned stop's customer was shown (plus "
                    "five minutes) costs; 0 lets a re-plan reorder routes freely")


class PlanCreate(Command):
    warehouse_ids: list[Id] = Field(min_length=1, max_length=10)
    driver_ids: list[Id] | None = Field(
        None, min_length=1, max_length=500,
        description="default: active drivers of the warehouses on a shift that has not ended")
    time_limit_seconds: float | None = Field(
        None, gt=0, allow_inf_nan=False,
        description="search time; default and maximum come from the settings")
    objective: Literal["cost", "hierarchical"] = "cost"
    weights: WeightsIn = Field(default_factory=WeightsIn)
    allow_moving_dispatched: bool = Field(
        False, description="let the plan move orders already out for delivery to other drivers")
    horizon_minutes: float | None = Field(
        None, gt=0, le=1440, allow_inf_nan=False,
        description="plan only work whose window opens within this many minutes; later "
        "work waits for a later plan (default: all ready work)")
    close_margin_minutes: float = Field(
        0.0, ge=0, le=240, allow_inf_nan=False,
        description="aim to serve this long before each window closes where the routes "
        "allow, keeping slack for traffic")
    depart_now: bool = Field(
        False, description="drivers at the warehouse leave as soon as the plan is published "
        "(hot food), not as late as the windows allow")
    serve_late: bool = Field(
        False, description="route every order even when its window can no longer be kept, "
        "as late as little as possible, instead of leaving it out with the reason")

    @field_validator("warehouse_ids", "driver_ids")
    @classmethod
    def _distinct(cls, ids: list[int] | None) -> list[int] | None:
        if ids is not None and len(set(ids)) != len(ids):
            raise ValueError("ids must not repeat")
        return ids


class Load(ReadModel):
    weight_g: float
    volume_ml: float


class PlannedStop(ReadModel):
    sequence: int
    kind: Literal["delivery", "pickup"]
    order_id: int | None = None
    return_id: int | None = None
    lat: float
    lon: float
    eta: datetime = Field(description="when service can begin")
    window_start: datetime
    window_end: datetime
    service_seconds: float
    load_after: Load
    late: bool


class PlannedRoute(ReadModel):
    driver_id: int
    driver_name: str
    shift_id: int
    warehouse_id: int
    capacity: Load
    start_at: datetime
    end_at: datetime
    distance_m: float
    duration_s: float
    start_load: Load = Field(description="on board when leaving: the deliveries")
    max_load: Load
    stops: list[PlannedStop]


class UnassignedWork(ReadModel):
    order_id: int | None = None
    return_id: int | None = None
    reason: str = Field(description="window_passed, or the solver's reason code")
    detail: str


class PlanKpis(ReadModel):
    routes: int
    stops: int
    distance_km: float
    duration_h: float
    late_stops: int
    unassigned: int


class WorkOnDriver(ReadModel):
    order_id: int | None = None
    return_id: int | None = None
    driver_id: int


class Move(ReadModel):
    order_id: int | None = None
    return_id: int | None = None
    from_driver_id: int
    to_driver_id: int


class EtaChange(ReadModel):
    order_id: int
    before: datetime
    after: datetime
    minutes: float


class PlanDiff(ReadModel):
    moved: list[Move]
    eta_changes: list[EtaChange]
    added: list[WorkOnDriver]
    removed: list[WorkOnDriver]


class PlanRead(ReadModel):
    id: int
    status: str = Field(description="queued, running, done, failed or committed")
    warehouse_ids: list[int]
    driver_ids: list[int] | None
    params: dict[str, Any]
    origin_at: datetime
    routes: list[PlannedRoute]
    unassigned: list[UnassignedWork]
    kpis: PlanKpis | None
    diff: PlanDiff | None = Field(description="re-plans only: against the active routes")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    committed_at: datetime | None
    version: int


PlanStatus = Literal["queued", "running", "done", "failed", "committed"]
