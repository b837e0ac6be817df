"""The rolling-origin backtest: MASE and MAPE worked by hand, and a known pattern beaten."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.analytics.backtest import backtest, mase_scale
from dispatch.analytics.forecast import ModelChoice
from dispatch.analytics.synthetic_demand import DemandShape, synthetic_histories


def test_mase_scale_is_the_in_sample_error_of_last_weeks_forecast():
    history = np.array([1, 2, 3, 4, 5, 6, 7, 3, 2, 3, 4, 5, 6, 9], dtype=float)
    # |3-1| + 0 + 0 + 0 + 0 + 0 + |9-7| over 7 days
    assert mase_scale(history) == pytest.approx(4 / 7)
    assert mase_scale(np.array([2.0, 4.0, 2.0])) == 2.0  # shorter than a week: day to day
    assert mase_scale(np.full(10, 3.0)) == 1.0          # flat: errors in units


def test_scores_worked_by_hand():
    """A new-SKU history (mean model) of 2 days, then one origin forecasting 2 days.
    Mean of [2, 4] is 3 against actuals [3, 0]: scaled errors 0/2 and 3/2 (scale: the
    day-to-day change of 2), so MASE 0.75; MAPE only counts the day that sold: 0.
    Seasonal naive (the history's mean, shorter than a week) predicts the same."""
    result = backtest({"sku": [2, 4, 3, 0]}, horizon=2, step=7, min_train=2,
                      choice=ModelChoice(min_weeks=1))
    (series,) = result.series
    assert series.model == "mean" and series.origins == 1
    assert series.forecast.mase == pytest.approx(0.75) and series.forecast.mape == 0.0
    assert result.forecast == result.baseline == series.forecast


def test_forecasts_beat_seasonal_naive_on_trending_seasonal_histories():
    histories = synthetic_histories(DemandShape(days=84, steady=6, slow=0, new=0), seed=1)
    result = backtest(histories, horizon=7, step=14, min_train=42)
    assert {s.model for s in result.series} == {"holt_winters"}
    assert all(s.origins == 3 for s in result.series)
    assert result.beats_baseline and result.forecast.mase < 0.95 * result.baseline.mase
    assert result.forecast.mape < result.baseline.mape


def test_a_history_too_short_for_any_origin_is_left_out():
    result = backtest({"short": [1, 2, 3], "long": list(range(40))}, horizon=7, min_train=28)
    assert [s.key for s in result.series] == ["long"]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        backtest({"x": [1, 2]}, horizon=0)
