"""Forecasts: the model each kind of history gets, and what it predicts."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.analytics.forecast import (
    CROSTON_SBA,
    HOLT_WINTERS,
    MEAN,
    SEASONAL_SMOOTHING,
    forecast,
    seasonal_naive,
)

WEEK = np.array([10, 10, 10, 10, 20, 30, 5], dtype=float)  # busy Friday and Saturday


def test_a_steady_seasonal_history_gets_holt_winters_and_its_pattern():
    """Eight identical weeks: the next week is the same week again."""
    predicted = forecast(np.tile(WEEK, 8), 7)
    assert predicted.model == HOLT_WINTERS
    assert predicted.values == pytest.approx(WEEK, abs=0.5)
    assert predicted.sigma < 0.5


def test_a_trend_is_followed():
    """Sales growing by one unit a day on top of the week: next week sells more than
    last week, by about a week's growth a day."""
    days = np.arange(56)
    history = WEEK[days % 7] + days
    predicted = forecast(history, 7)
    assert predicted.model == HOLT_WINTERS
    growth = predicted.values - history[-7:]
    assert np.all(growth > 3) and np.mean(growth) == pytest.approx(7, abs=2)


def test_three_weeks_get_seasonal_smoothing_with_the_weekly_profile():
    predicted = forecast(np.tile(WEEK, 3), 7)
    assert predicted.model == SEASONAL_SMOOTHING
    assert predicted.values == pytest.approx(WEEK, rel=0.01)


def test_an_intermittent_history_gets_croston_and_a_flat_rate():
    """Two units every fifth day: about 0.4 a day, the same every day."""
    history = np.zeros(60)
    history[::5] = 2
    predicted = forecast(history, 7)
    assert predicted.model == CROSTON_SBA
    assert len(set(predicted.values)) == 1
    assert predicted.values[0] == pytest.approx(0.4, rel=0.1)


def test_a_new_sku_gets_its_mean():
    predicted = forecast([3, 5, 4, 6, 2], 3)
    assert predicted.model == MEAN and list(predicted.values) == [4, 4, 4]
    assert predicted.total(2) == 8


def test_nothing_sold_forecasts_nothing():
    predicted = forecast(np.zeros(40), 7)
    assert predicted.total(7) == 0 and predicted.sigma == 0


def test_seasonal_naive_repeats_last_week():
    history = np.concatenate([np.zeros(7), WEEK])
    assert list(seasonal_naive(history, 9)) == [*WEEK, *WEEK[:2]]
    assert list(seasonal_naive(np.array([2.0, 4.0]), 2)) == [3, 3]


@pytest.mark.parametrize("history, horizon", [([1, -1, 2], 3), ([1, float("nan")], 3),
                                              ([1, 2], 0)])
def test_bad_input_is_refused(history, horizon):
    with pytest.raises(ValueError):
        forecast(history, horizon)
