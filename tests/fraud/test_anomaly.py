"""The anomaly model: outliers rank above ordinary rows, and small shops get none."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.fraud.anomaly import MIN_ROWS, AnomalyModel, fit_or_none


def ordinary(count: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, size=(count, 3))


@pytest.fixture(scope="module")
def model() -> AnomalyModel:
    return AnomalyModel.fit(ordinary(300), seed=0)


def test_an_outlier_ranks_above_every_training_row_and_the_centre_below_most(model):
    assert model.score(np.array([8.0, -8.0, 8.0])) == 1.0
    assert model.score(np.zeros(3)) < 0.3
    fresh = model.score_many(ordinary(200, seed=2))
    assert np.all((fresh >= 0) & (fresh <= 1))
    assert 0.35 < float(np.mean(fresh)) < 0.65   # new ordinary rows rank like training rows


def test_one_row_scores_as_in_a_batch(model):
    rows = np.array([[0.0, 0.0, 0.0], [1.5, 1.5, -1.5], [4.0, 4.0, -4.0]])
    assert [model.score(r) for r in rows] == model.score_many(rows).tolist()
    assert model.score(rows[0]) < model.score(rows[1]) < model.score(rows[2])


def test_the_same_seed_gives_the_same_scores():
    rows, probe = ordinary(120), ordinary(20, seed=3)
    first, second = (AnomalyModel.fit(rows, seed=4).score_many(probe) for _ in range(2))
    assert first.tolist() == second.tolist()


def test_too_few_rows_give_no_model():
    assert fit_or_none(ordinary(MIN_ROWS - 1)) is None
    assert isinstance(fit_or_none(ordinary(MIN_ROWS)), AnomalyModel)
    with pytest.raises(ValueError, match="at least 50"):
        AnomalyModel.fit(ordinary(MIN_ROWS - 1))


def test_rows_must_be_finite_and_as_wide_as_the_training_rows(model):
    with pytest.raises(ValueError, match="3 features"):
        model.score(np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        model.score(np.array([0.0, np.nan, 0.0]))
