"""Screening an order as it is placed, and recording the decision on a held one.

Runs inside the placement's transaction after the payment is authorised: the assessment
is stored with the order whatever the outcome, so the reasons can be shown on any order
and the hold rate measured. Screening is configured per call (``Screening``) so the
embedded simulator and tests can run with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.fraud.model_cache import MODELS, AnomalyModels
from dispatch.fraud.models import FraudAssessment
from dispatch.fraud.records import address_key, card_identity, history_of
from dispatch.fraud.scoring import combine
from dispatch.fraud.signals import Placement, ScreeningPolicy, features, signals

APPROVED, CANCELLED = "approved", "cancelled"


@dataclass(frozen=True)
class Screening:
    """How orders are screened: the policy, and the anomaly models (None: rules only)."""

    policy: ScreeningPolicy = field(default_factory=ScreeningPolicy)
    models: AnomalyModels | None = MODELS

    @classmethod
    def from_settings(cls, settings) -> Screening | None:
        """None when ``fraud_screening`` is off."""
        if not settings.fraud_screening:
            return None
        return cls(ScreeningPolicy(hold_threshold=settings.fraud_hold_threshold))


@dataclass(frozen=True)
class OrderFacts:
    """What the screening reads of the order being placed."""

    order_id: int
    customer_id: int
    phone: str | None
    card_token: str | None
    total_minor: int
    units: int
    lat: float
    lon: float
    billing: tuple[float, float] | None = None


def screen(db: Session, order: OrderFacts, screening: Screening,
           now: datetime) -> FraudAssessment:
    """Assess the order against the order book and store the assessment. A customer
    with no earlier order is screened as new (``Placement.customer_id`` None)."""
    placement = Placement(
        at=now, customer_id=order.customer_id, phone=order.phone,
        address_key=address_key(order.lat, order.lon), card_token=card_identity(order.card_token),
        total_minor=order.total_minor, units=order.units, lat=order.lat, lon=order.lon,
        billing_lat=order.billing[0] if order.billing else None,
        billing_lon=order.billing[1] if order.billing else None)
    history = history_of(db, placement, exclude_order=order.order_id)
    if not any(past.customer_id == order.customer_id for past in history):
        placement = replace(placement, customer_id=None)
    model = screening.models.model(db, now, screening.policy) if screening.models else None
    anomaly = (model.score(features(placement, history, screening.policy))
               if model is not None else None)
    assessment = combine(signals(placement, history, screening.policy), anomaly,
                         screening.policy)
    row = FraudAssessment(
        order_id=order.order_id, score=round(assessment.score, 4), hold=assessment.hold,
        reasons=[{"code": r.code, "weight": round(r.weight, 4), "detail": r.detail}
                 for r in assessment.reasons],
        anomaly_score=None if anomaly is None else round(anomaly, 4), created_at=now)
    db.add(row)
    return row


def record_decision(db: Session, order_id: int, decision: str, *, actor_user_id: int | None,
                    note: str | None, at: datetime) -> None:
    """Who released or cancelled a held order, when and why."""
    row = db.scalars(select(FraudAssessment).where(FraudAssessment.order_id == order_id)
                     .with_for_update()).first()
    if row is not None:
        row.decision, row.decision_note = decision, note
        row.decided_by_user_id, row.decided_at = actor_user_id, at


def hold_reason(row: FraudAssessment) -> str:
    """The status-change reason of a held order: its score and reasons, heaviest first."""
    reasons = "; ".join(r["detail"] for r in row.reasons) or "no reason"
    return f"held by fraud screening (risk {row.score:.2f}): {reasons}"[:300]
