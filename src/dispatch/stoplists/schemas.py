"""Request and response bodies for stop lists, stop events and proof of delivery."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dispatch.common.schemas import Command, ReadModel, UtcDatetime
from dispatch.stoplists.domain import FailureReason

_AT = Field(None, description="when it happened (default: now); not in the future, not"
                              " before the route started")
_LAT = Field(None, ge=-90, le=90, description="where the driver was (default: their last"
                                              " position ping)")
_LON = Field(None, ge=-180, le=180)


class ArrivedIn(Command):
    at: UtcDatetime | None = _AT
    lat: float | None = _LAT
    lon: float | None = _LON


class CompletedIn(Command):
    recipient_name: str | None = Field(
        None, min_length=1, max_length=120,
        description="who took the parcel (required for deliveries) or handed units over")
    note: str | None = Field(None, max_length=500)
    at: UtcDatetime | None = _AT
    lat: float | None = _LAT
    lon: float | None = _LON


class FailedIn(Command):
    reason: FailureReason
    note: str | None = Field(None, max_length=500)
    at: UtcDatetime | None = _AT
    lat: float | None = _LAT
    lon: float | None = _LON


class WarehouseRead(ReadModel):
    id: int
    name: str
    address: str | None
    lat: float
    lon: float


class ItemRead(ReadModel):
    sku: str
    name: str
    quantity: int


class ContactRead(ReadModel):
    name: str = Field(description="first name only in a driver's view")
    phone: str | None


class CashRead(ReadModel):
    amount_minor: int
    currency: str


class StopRead(ReadModel):
    id: int
    sequence: int
    kind: str
    status: str
    order_id: int | None
    return_id: int | None
    eta: datetime
    eta_low: datetime
    eta_high: datetime
    window_start: datetime
    window_end: datetime
    address_text: str | None
    lat: float
    lon: float
    customer: ContactRead | None
    notes: str | None
    items: list[ItemRead] = Field(description="what to hand over (deliveries)")
    collect: list[ItemRead] = Field(description="what to take back (pickups)")
    cash_to_collect: CashRead | None = Field(description="cash on delivery still due")
    arrived_at: datetime | None
    finished_at: datetime | None
    failure_reason: str | None
    flagged_far: bool = Field(description="an event at this stop was reported far from it")


class RouteRead(ReadModel):
    id: int
    status: str
    driver_id: int
    plan_id: int | None
    planned_start: datetime
    planned_end: datetime
    departed_at: datetime | None
    distance_m: float
    warehouse: WarehouseRead
    stops: list[StopRead]
    version: int


class StopEventRead(ReadModel):
    id: int
    kind: str
    reason: str | None
    note: str | None
    occurred_at: datetime
    distance_from_stop_m: float | None
    flagged_far: bool


class StopEventResult(ReadModel):
    """What a stop event did: the event, the stop after it, and the route's status."""

    event: StopEventRead
    stop: StopRead
    route_status: str
    route_version: int


class ProofRead(ReadModel):
    stop_id: int
    kind: str
    recipient_name: str | None
    media_type: str | None
    sha256: str | None
    size_bytes: int | None
    flagged_far: bool = Field(description="the completion was reported far from the stop")
    created_at: datetime
