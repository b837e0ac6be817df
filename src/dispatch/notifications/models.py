"""Every message a customer was (or would have been) sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class Notification(Base):
    """One rendered message; unique per (event, channel) so a relay retry never
    sends it twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("outbox_event_id", "channel", name="uq_notifications_event_channel"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    template: Mapped[str] = mapped_column(String(48))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    # Retried like webhook deliveries: attempts so far and when the next one is due.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
