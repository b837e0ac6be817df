"""Rolling-origin backtest of the forecasts against the seasonal-naive baseline.

From each origin (every ``step`` days once ``min_train`` days of history exist) the model
is fitted on the days before it and asked for the next ``horizon`` days, which are then
compared with what sold. Errors are reported as MASE (mean absolute error over the
in-sample mean absolute error of a one-week-ago forecast, so series of any size compare
and below 1 beats repeating last week) and MAPE (over days that sold; a day without a
sale has no percentage error). The total pools every series' absolute and scaled errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dispatch.analytics.forecast import SEASON, ModelChoice, forecast, seasonal_naive


@dataclass(frozen=True)
class Scores:
    """MASE and MAPE (a share: 0.12 is 12%; None when no day sold) of one forecaster."""

    mase: float
    mape: float | None


@dataclass(frozen=True)
class SeriesResult:
    key: str
    model: str  # the model the last origin chose
    origins: int
    forecast: Scores
    baseline: Scores


@dataclass
class _Errors:
    scaled: list[float] = field(default_factory=list)
    percent: list[float] = field(default_factory=list)

    def add(self, predicted: np.ndarray, actual: np.ndarray, scale: float) -> None:
        absolute = np.abs(actual - predicted)
        self.scaled.extend(absolute / scale)
        sold = actual > 0
        self.percent.extend(absolute[sold] / actual[sold])

    def scores(self) -> Scores:
        return Scores(float(np.mean(self.scaled)) if self.scaled else float("nan"),
                      float(np.mean(self.percent)) if self.percent else None)


@dataclass(frozen=True)
class Backtest:
    """Per-series results and the pooled totals."""

    series: tuple[SeriesResult, ...]
    forecast: Scores
    baseline: Scores

    @property
    def beats_baseline(self) -> bool:
        return self.forecast.mase < self.baseline.mase


def mase_scale(history: np.ndarray) -> float:
    """In-sample MAE of the seasonal-naive forecast (last week's same day); a series too
    short or too flat for one falls back to its mean absolute day-to-day change, then 1."""
    for lag in (SEASON, 1):
        if len(history) > lag:
            scale = float(np.mean(np.abs(history[lag:] - history[:-lag])))
            if scale > 0:
                return scale
    return 1.0


def backtest(histories: Mapping[str, Sequence[float]], *, horizon: int = 7, step: int = 7,
             min_train: int = 28, choice: ModelChoice | None = None) -> Backtest:
    """Backtest every series of ``histories`` (key -> daily units, oldest first)."""
    if horizon < 1 or step < 1 or min_train < 1:
        raise ValueError("horizon, step and min_train must be at least 1")
    choice = choice or ModelChoice()
    results, pooled, pooled_base = [], _Errors(), _Errors()
    for key, values in histories.items():
        series = np.asarray(values, dtype=float)
        errors, base = _Errors(), _Errors()
        model, origins = "", 0
        for origin in range(min_train, len(series) - horizon + 1, step):
            train, actual = series[:origin], series[origin:origin + horizon]
            scale = mase_scale(train)
            predicted = forecast(train, horizon, choice)
            model, origins = predicted.model, origins + 1
            for bucket in (errors, pooled):
                bucket.add(predicted.values, actual, scale)
            for bucket in (base, pooled_base):
                bucket.add(seasonal_naive(train, horizon), actual, scale)
        if origins:
            results.append(SeriesResult(key, model, origins, errors.scores(), base.scores()))
    return Backtest(tuple(results), pooled.scores(), pooled_base.scores())
