"""Request and response bodies for returns and exchanges."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator, model_validator

from dispatch.common.schemas import Command, Id, ReadModel
from dispatch.returns.domain import InspectionOutcome, Resolution, ReturnReason

SkuCode = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class PickupWindowIn(Command):
    """When a driver may collect the units; naive times are refused (ambiguous)."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> PickupWindowIn:
        if self.end <= self.start:
            raise ValueError("the pickup window must end after it starts")
        return self


class ReturnLineIn(Command):
    order_line_id: Id
    quantity: int = Field(ge=1, le=10_000)
    reason: ReturnReason


class ReplacementLineIn(Command):
    sku: str = SkuCode
    quantity: int = Field(ge=1, le=10_000)


class ReturnCreate(Command):
    """A return request; ``replacement_lines`` are required for, and only for, exchanges."""

    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    resolution: Resolution
    # Declared after ``resolution`` so its validator can see it; validated even when
    # omitted so a missing list on an exchange is named as this field.
    replacement_lines: list[ReplacementLineIn] = Field(
        default_factory=list, max_length=100, validate_default=True
    )
    pickup_window: PickupWindowIn | None = None

    @field_validator("replacement_lines")
    @classmethod
    def _match_resolution(
        cls, value: list[ReplacementLineIn], info: ValidationInfo
    ) -> list[ReplacementLineIn]:
        resolution = info.data.get("resolution")
        if resolution is Resolution.EXCHANGE and not value:
            raise ValueError("an exchange needs at least one replacement line")
        if resolution is Resolution.REFUND and value:
            raise ValueError("replacement lines are only for exchanges")
        return value


class ApproveIn(Command):
    """Approval; a pickup window given here replaces the one asked for."""

    pickup_window: PickupWindowIn | None = None


class RejectIn(Command):
    reason: str = Field(min_length=1, max_length=300)


class InspectionLineIn(Command):
    return_line_id: Id
    outcome: InspectionOutcome


class InspectionIn(Command):
    """What the warehouse decided per line; must name every line of the return once."""

    lines: list[InspectionLineIn] = Field(min_length=1, max_length=100)


class ReturnLineRead(ReadModel):
    id: int
    order_line_id: int
    sku: str
    quantity: int
    reason: str
    outcome: str | None
    unit_price_minor: int


class ReplacementLineRead(ReadModel):
    id: int
    sku: str
    quantity: int
    unit_price_minor: int


class PickupWindowRead(ReadModel):
    start: datetime
    end: datetime


class ReturnRead(ReadModel):
    id: int
    order_id: int
    warehouse_id: int
    status: str
    resolution: str
    driver_id: int | None
    lines: list[ReturnLineRead]
    replacement_lines: list[ReplacementLineRead]
    pickup_window: PickupWindowRead | None
    refund_minor: int | None
    exchange_order_id: int | None
    rejection_reason: str | None
    version: int
    created_at: datetime
