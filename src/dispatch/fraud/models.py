"""The screening of each order at placement, and the decision on a held one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class FraudAssessment(Base):
    """Score, reasons and hold of one order; ``decision`` (approved or cancelled) is set
    when someone releases or cancels a held order."""

    __tablename__ = "fraud_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    score: Mapped[float] = mapped_column(Float)
    hold: Mapped[bool] = mapped_column(Boolean, index=True)
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    anomaly_score: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
