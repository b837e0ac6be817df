"""What a customer's tracking link shows: their own order, nothing about anyone else."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TimelineEntry(BaseModel):
    status: str
    at: datetime


class TrackedLine(BaseModel):
    name: str
    quantity: int


class TrackingRead(BaseModel):
    order_id: int
    status: str
    window_start: datetime
    window_end: datetime
    address: str | None
    lines: list[TrackedLine]
    timeline: list[TimelineEntry]
    driver_first_name: str | None
    delivered_at: datetime | None
