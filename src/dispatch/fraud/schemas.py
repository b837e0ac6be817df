"""Response and request bodies of fraud screening."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dispatch.common.schemas import Command, ReadModel


class ReasonRead(BaseModel):
    code: str = Field(description="velocity_card, value_above_history, anomaly, ...")
    weight: float = Field(description="its share of the score, 0-1")
    detail: str


class RiskRead(ReadModel):
    """How the order was screened at placement, and the decision if it was held."""

    score: float = Field(description="0-1; the order was held from the threshold up")
    hold: bool
    anomaly_score: float | None = Field(
        description="share of past orders less unusual (null: no model yet)")
    reasons: list[ReasonRead]
    decision: str | None = Field(description="approved or cancelled, once decided")
    decision_note: str | None
    decided_at: datetime | None


class ApproveIn(Command):
    note: str | None = Field(None, max_length=500, description="why it was released")
