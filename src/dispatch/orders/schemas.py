"""Request and response bodies for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, model_validator

from dispatch.common.schemas import Command, Id, ReadModel
from dispatch.fraud.schemas import RiskRead
from dispatch.payments.schemas import PaymentCreate, PaymentRead

SkuCode = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Phone = Field(None, max_length=32, pattern=r"^\+?[0-9 ()-]{4,31}$")


class CustomerIn(Command):
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Phone
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _reachable(self) -> CustomerIn:
        if not self.phone and not self.email:
            raise ValueError("give a phone number or an email address")
        return self


class AddressIn(Command):
    """Coordinates, or text to geocode, or both (coordinates win)."""

    text: str | None = Field(None, min_length=3, max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @model_validator(mode="after")
    def _located(self) -> AddressIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.lat is None and not self.text:
            raise ValueError("give coordinates (lat, lon) or an address text to geocode")
        return self


class LineIn(Command):
    sku: str = SkuCode
    quantity: int = Field(ge=1, le=10_000)


class WindowIn(Command):
    start: datetime
    end: datetime


class OrderCreate(Command):
    customer: CustomerIn
    address: AddressIn
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    window: WindowIn
    priority: int = Field(0, ge=0, le=9, description="higher is more urgent")
    payment: PaymentCreate
    notes: str | None = Field(None, max_length=500)


class PickIn(Command):
    """What the picker scanned."""

    lines: list[LineIn] = Field(min_length=1, max_length=100)


class CancelIn(Command):
    reason: str = Field(min_length=1, max_length=300)


class AssignIn(Command):
    driver_id: Id


class DeliverIn(Command):
    recipient_name: str = Field(min_length=1, max_length=120)


FailureReason = Literal["not_home", "refused", "address_not_found", "damaged", "no_access", "other"]


class FailIn(Command):
    reason: FailureReason
    note: str | None = Field(None, max_length=300)


class CustomerRead(ReadModel):
    id: int
    name: str
    phone: str | None
    email: str | None


class LineRead(ReadModel):
    id: int
    sku: str
    quantity: int
    unit_price_minor: int


class OrderRead(ReadModel):
    id: int
    status: str
    customer: CustomerRead
    address_text: str | None
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    priority: int
    warehouse_id: int
    driver_id: int | None
    lines: list[LineRead]
    currency: str
    subtotal_minor: int
    delivery_fee_minor: int
    total_minor: int
    payment: PaymentRead | None
    cancel_reason: str | None
    failure_reason: str | None
    delivery_attempts: int
    delivered_at: datetime | None
    created_at: datetime
    version: int
    tracking_token: str = Field(description="the customer's key to GET /track/{token}")
    risk: RiskRead | None = Field(None, description="fraud screening at placement")


class OrderEventRead(ReadModel):
    id: int
    from_status: str | None
    to_status: str
    reason: str | None
    created_at: datetime
