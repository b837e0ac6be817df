"""Request and response bodies for drivers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from dispatch.common.schemas import Command, Id, ReadModel


class DriverCreate(Command):
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ()-]{4,31}$")
    warehouse_id: Id = Field(description="home warehouse: where the driver's routes start")
    vehicle: Literal["bike", "cargo_bike", "car", "van", "truck"] = "van"
    capacity_weight_g: int = Field(ge=1, le=50_000_000)
    capacity_volume_ml: int = Field(ge=1, le=100_000_000)
    skills: list[str] = Field(default_factory=list, max_length=10)
    speed_factor: float = Field(1.0, ge=0.2, le=3.0, allow_inf_nan=False,
                                description="x the default road speeds (a bike uphill: 0.8)")


class DriverRead(ReadModel):
    id: int
    name: str
    phone: str | None
    warehouse_id: int
    vehicle: str
    capacity_weight_g: int
    capacity_volume_ml: int
    skills: list[str]
    speed_factor: float
    active: bool


class ShiftCreate(Command):
    """A working period; planning only routes a driver inside one."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ShiftRead(ReadModel):
    id: int
    driver_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    created_at: datetime
    version: int
