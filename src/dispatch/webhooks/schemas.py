"""Request and response bodies for webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from dispatch.common.schemas import Command, ReadModel
from dispatch.events.types import EventType

ALL_EVENTS = "*"

# A Literal built from the enum, so the schema lists the choices, a typo is a 422 naming
# the item, and an event type added to ``EventType`` is subscribable at once.
EventTypeName = Literal[(ALL_EVENTS, *(event.value for event in EventType))]  # type: ignore[valid-type]


class WebhookCreate(Command):
    """A receiver: an http(s) URL on a public address, and the events it wants."""

    url: str = Field(min_length=1, max_length=2000, description="http:// or https:// URL")
    event_types: list[EventTypeName] = Field(
        min_length=1, max_length=len(EventType) + 1,
        description='event types to receive, or ["*"] for all of them',
    )
    description: str | None = Field(None, max_length=200)

    @field_validator("event_types")
    @classmethod
    def _normalise(cls, value: list[str]) -> list[str]:
        """``*`` subsumes the rest; duplicates are dropped, the order kept."""
        return [ALL_EVENTS] if ALL_EVENTS in value else list(dict.fromkeys(value))


class WebhookRead(ReadModel):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime
    secret_prefix: str = Field(description="the start of the signing secret, to tell them apart")


class WebhookCreated(WebhookRead):
    secret: str = Field(description="the signing secret; shown only in this response")


DeliveryStatus = Literal["pending", "delivered", "dead"]


class DeliveryRead(ReadModel):
    id: int
    endpoint_id: int
    event_id: str = Field(description="stable across retries: receivers de-duplicate on it")
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime
