"""The score: noisy-OR of the reasons' weights, the anomaly counted from its level."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dispatch.fraud.scoring import assess, combine, noisy_or
from dispatch.fraud.signals import FEATURE_NAMES, PastOrder, Placement, Reason, ScreeningPolicy

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)

CARD = Reason("velocity_card", 0.6, "4 orders on this card")
DECLINES = Reason("recent_declines", 0.35, "1 declined payment")
VALUE = Reason("value_above_history", 0.4, "5x the median")


def past(minutes_ago: float, **changes) -> PastOrder:
    """A delivered order by someone else to somewhere else, unless changed."""
    order = PastOrder(NOW - timedelta(minutes=minutes_ago), 99, "p-other", "elsewhere",
                      "c-other", 3000, 52.52, 13.405, declined=False, delivered=True)
    return replace(order, **changes)


def placement() -> Placement:
    return Placement(NOW, 1, "p-1", "home", "c-1", 3000, 3, 52.52, 13.405)


class FixedModel:
    """Stands in for the anomaly model: one score for every row, rows remembered."""

    def __init__(self, score: float) -> None:
        self.value, self.rows = score, []

    def score(self, row: np.ndarray) -> float:
        self.rows.append(row)
        return self.value


def test_noisy_or_by_hand():
    assert noisy_or([]) == 0
    assert noisy_or([0.6]) == pytest.approx(0.6)
    assert noisy_or([0.6, 0.35]) == pytest.approx(1 - 0.4 * 0.65)   # 0.74
    assert noisy_or([1.0, 0.2]) == 1


def test_reasons_come_heaviest_first_and_the_score_holds_from_the_threshold():
    assessment = combine([DECLINES, CARD], None)
    assert [r.code for r in assessment.reasons] == ["velocity_card", "recent_declines"]
    assert assessment.score == pytest.approx(0.74) and assessment.hold
    alone = combine([CARD], None)
    assert alone.score == pytest.approx(0.6) and alone.hold          # 0.6 >= 0.6
    assert not combine([DECLINES], None).hold
    assert combine([], None) == combine([], 0.5)
    assert combine([], None).score == 0 and combine([], None).reasons == ()


def test_the_anomaly_counts_only_from_its_level():
    """0.94 is ordinary; 0.97 adds a reason of 0.5 x 0.97 = 0.485, and with a 0.4 rule
    the score is 1 - 0.6 x 0.515 = 0.691: held."""
    assert combine([VALUE], 0.94).reasons == (VALUE,)
    assessment = combine([VALUE], 0.97)
    assert [r.code for r in assessment.reasons] == ["anomaly", "value_above_history"]
    assert assessment.reasons[0].weight == pytest.approx(0.485)
    assert assessment.reasons[0].detail == "more unusual than 97% of past orders (counted from 95%)"
    assert assessment.score == pytest.approx(0.691) and assessment.hold
    muted = ScreeningPolicy(anomaly_weight=0.0)
    assert combine([VALUE], 0.99, muted).reasons == (VALUE,)


def test_assess_screens_a_placement_by_the_rules_and_the_model():
    """The fourth order on the card in the hour, after a decline on it this morning."""
    history = [past(10, card_token="c-1"), past(20, card_token="c-1"),
               past(180, card_token="c-1", declined=True, delivered=False),
               past(40, card_token="c-1")]
    rules = assess(placement(), history)
    assert [r.code for r in rules.reasons] == ["velocity_card", "recent_declines"]
    assert rules.score == pytest.approx(0.74) and rules.hold
    model = FixedModel(0.99)
    with_model = assess(placement(), history, model=model)
    assert with_model.score == pytest.approx(1 - 0.4 * 0.65 * (1 - 0.495))
    assert len(model.rows) == 1 and len(model.rows[0]) == len(FEATURE_NAMES)
    assert model.rows[0][FEATURE_NAMES.index("velocity_card")] == 4


def test_an_ordinary_order_passes_and_a_stricter_policy_holds_it():
    history = [past(30, card_token="c-1"), past(50, card_token="c-1")]
    assert assess(placement(), history, model=FixedModel(0.5)) == assess(placement(), history)
    ordinary = assess(placement(), history)
    assert ordinary.score == 0 and not ordinary.hold
    strict = ScreeningPolicy(velocity_limit=2, velocity_window=timedelta(minutes=90))
    assert assess(placement(), history, strict).hold
