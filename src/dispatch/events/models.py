"""Outbox events, written with the change they describe and relayed afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class OutboxEvent(Base):
    """One domain event. ``event_id`` is stable across retries so receivers can
    de-duplicate; ``relayed_at`` is set once webhooks and notifications are queued."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unrelayed", "relayed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(48), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
