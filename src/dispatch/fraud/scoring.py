"""One score per placement from the rule reasons and the anomaly model, and the hold.

The reasons are treated as independent pieces of evidence and combined by noisy-OR:

    score = 1 - Π (1 - w_i)

over every reason's weight ``w_i``. One reason alone scores its own weight, each further
reason closes part of the remaining gap to 1, and the score never leaves [0, 1]. The
anomaly model takes part as one more reason, ``anomaly``, weighing ``anomaly_weight ×
anomaly score``, but only when the anomaly score reaches ``policy.anomaly_level``: the score
is a rank among past orders, so some share of ordinary orders always sits at any lower
level. The score is thus fully explained by the reasons listed. An order is held when the
score reaches ``policy.hold_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dispatch.fraud.anomaly import AnomalyModel
from dispatch.fraud.signals import (
    ANOMALY,
    PastOrder,
    Placement,
    Reason,
    ScreeningPolicy,
    features,
    signals,
)


@dataclass(frozen=True)
class Assessment:
    """``score`` 0..1; ``reasons`` heaviest first; ``hold``: keep the order for review."""

    score: float
    reasons: tuple[Reason, ...]
    hold: bool


def noisy_or(weights: Iterable[float]) -> float:
    """1 - Π (1 - w): the chance at least one piece of independent evidence is right."""
    return 1 - math.prod(1 - w for w in weights)


def anomaly_reason(anomaly_score: float, policy: ScreeningPolicy) -> Reason | None:
    """The ``anomaly`` reason for a model score, or None below ``policy.anomaly_level``."""
    if anomaly_score < policy.anomaly_level or policy.anomaly_weight == 0:
        return None
    return Reason(ANOMALY, policy.anomaly_weight * anomaly_score,
                  f"more unusual than {anomaly_score:.0%} of past orders "
                  f"(counted from {policy.anomaly_level:.0%})")


def combine(reasons: Iterable[Reason], anomaly_score: float | None,
            policy: ScreeningPolicy | None = None) -> Assessment:
    """The assessment from rule reasons and an anomaly score (None: no model)."""
    policy = policy or ScreeningPolicy()
    found = list(reasons)
    extra = None if anomaly_score is None else anomaly_reason(anomaly_score, policy)
    if extra is not None:
        found.append(extra)
    found.sort(key=lambda r: (-r.weight, r.code))
    score = noisy_or(r.weight for r in found)
    return Assessment(score, tuple(found), score >= policy.hold_threshold)


def assess(placement: Placement, history: Sequence[PastOrder],
           policy: ScreeningPolicy | None = None,
           model: AnomalyModel | None = None) -> Assessment:
    """Screen one placement against the orders before it; without a model (a new shop),
    by the rules alone."""
    policy = policy or ScreeningPolicy()
    anomaly = None if model is None else model.score(features(placement, history, policy))
    return combine(signals(placement, history, policy), anomaly, policy)
