"""What a customer's tracking link shows: their own order, nothing about anyone else."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dispatch.common.schemas import Command
from dispatch.orders.schemas import WindowIn


class TimelineEntry(BaseModel):
    status: str
    at: datetime
    note: str | None = Field(None, description="set for customer-facing events, e.g. a reschedule")


class TrackedLine(BaseModel):
    name: str
    quantity: int


class EtaWindow(BaseModel):
    """When the driver is expected at the door: ``eta`` within [``low``, ``high``]."""

    eta: datetime
    low: datetime
    high: datetime


class Point(BaseModel):
    lat: float
    lon: float


class ApproximatePosition(BaseModel):
    """The driver's position rounded to about 100 m: enough to watch them come closer."""

    lat: float
    lon: float
    recorded_at: datetime


class TrackedDriver(BaseModel):
    first_name: str | None
    position: ApproximatePosition | None = Field(
        None, description="only while out for delivery and a few stops away")


class ReturnableLine(BaseModel):
    """An order line the customer may still send back, and how many units of it."""

    order_line_id: int
    name: str
    quantity: int


class TrackingRead(BaseModel):
    order_id: int
    status: str
    window_start: datetime
    window_end: datetime
    address: str | None
    destination: Point = Field(description="where the order is delivered (the customer's own)")
    lines: list[TrackedLine]
    timeline: list[TimelineEntry]
    driver_first_name: str | None
    delivered_at: datetime | None
    eta: EtaWindow | None = Field(None, description="while the order is on a driver's route")
    stops_before: int | None = Field(
        None, description="the driver's remaining stops before this one")
    driver: TrackedDriver | None = None
    can_reschedule: bool = Field(
        False, description="a new delivery window may be chosen (after a failed attempt)")
    reschedule_latest_start: datetime | None = Field(
        None, description="the latest start a new window may have")
    can_return: bool = Field(False, description="a return may be requested")
    return_until: datetime | None = Field(None, description="when the return window closes")
    returnable: list[ReturnableLine] = Field(
        default_factory=list, description="what may still be returned")


class RescheduleIn(Command):
    """A new delivery window, under the same rules as when the order was placed."""

    window: WindowIn


class RescheduleRead(BaseModel):
    order_id: int
    status: str
    window_start: datetime
    window_end: datetime
