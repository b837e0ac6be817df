"""Request and response bodies for payments."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from dispatch.common.schemas import Command, ReadModel
from dispatch.payments.domain import PaymentMethod


class PaymentCreate(Command):
    """How the customer pays. Cards are represented by a provider token, never a number."""

    method: PaymentMethod
    card_token: str | None = Field(
        None, max_length=80, description="provider token such as tok_visa (sandbox)"
    )
    billing_lat: float | None = Field(None, ge=-90, le=90, description=(
        "where the card's bill goes, when the provider says (fraud screening)"))
    billing_lon: float | None = Field(None, ge=-180, le=180)

    @property
    def billing(self) -> tuple[float, float] | None:
        """The billing point (lat, lon), when given."""
        if self.billing_lat is None or self.billing_lon is None:
            return None
        return self.billing_lat, self.billing_lon

    @model_validator(mode="after")
    def _billing_point(self) -> PaymentCreate:
        if (self.billing_lat is None) != (self.billing_lon is None):
            raise ValueError("give both billing_lat and billing_lon, or neither")
        return self


class RefundRequest(Command):
    amount_minor: int = Field(ge=1, le=10**12)
    reason: str = Field(min_length=1, max_length=300)


class PaymentRead(ReadModel):
    id: int
    order_id: int
    method: str
    provider: str
    status: str
    currency: str
    amount_minor: int
    captured_minor: int
    refunded_minor: int
    decline_code: str | None
    created_at: datetime
