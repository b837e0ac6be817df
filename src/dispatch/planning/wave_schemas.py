"""Request and response bodies for batch policies and the wave board."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from dispatch.common.schemas import Command, ReadModel

# Strict: a policy is typed by an admin, so ``true`` or ``"15"`` is a mistake, not 1 or 15.
Minutes = Annotated[StrictInt, Field(ge=1, le=1440)]


class BatchPolicyIn(Command):
    """How a warehouse gathers waves. Which keys a kind takes is checked by
    ``batching.policy_from_config`` (a key of another kind is a 422 naming it)."""

    kind: Literal["on_demand", "periodic", "threshold"]
    every_minutes: Minutes | None = Field(None, description="periodic: a wave this often")
    min_ready: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = Field(
        None, description="threshold: a wave once this many orders and pickups are ready")
    max_wait_minutes: Annotated[StrictInt, Field(ge=1, le=10_080)] | None = Field(
        None, description="threshold: a wave once the oldest ready work waited this long")


class BatchPolicyRead(ReadModel):
    warehouse_id: int
    kind: Literal["on_demand", "periodic", "threshold"]
    every_minutes: int | None = None
    min_ready: int | None = None
    max_wait_minutes: int | None = None


class UnmeetableWork(ReadModel):
    """Ready work whose window closes before any van could get there: a dispatcher must
    reschedule or cancel it; waves leave it out."""

    order_id: int | None = None
    return_id: int | None = None
    window_end: datetime
    earliest_arrival: datetime
    reason: str


class WaveStatus(ReadModel):
    """One warehouse on the wave board."""

    warehouse_id: int
    warehouse_code: str
    policy: BatchPolicyRead
    ready_orders: int = Field(description="ready orders not on a route (meetable or not)")
    ready_pickups: int = Field(description="approved return pickups not on a route")
    oldest_ready_since: datetime | None = Field(
        description="when the longest-waiting work became ready (its latest move into ready)")
    drivers_on_shift: int = Field(description="active drivers with a shift not yet over")
    last_wave_at: datetime | None = Field(
        description="when the warehouse's latest plan (any status) was made, within 24 h")
    last_plan_id: int | None
    plan_in_flight_id: int | None = Field(description="a plan of it still queued or running")
    due: bool = Field(description="the scheduler starts a wave on its next pass; the policy "
                      "counts only work that can still make its window")
    reason: str = Field(description="the policy's reason, and what holds a due wave back")
    next_check: datetime | None = Field(
        description="when the answer can change by itself; null: only new work can change it")
    unmeetable: list[UnmeetableWork]


class WaveBoard(ReadModel):
    at: datetime
    scheduler_enabled: bool
    auto_commit: bool
    warehouses: list[WaveStatus]

