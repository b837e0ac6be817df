"""Daily demand forecasts per SKU and warehouse, with the model chosen from the history.

A series with several weeks of steady demand gets exponential smoothing with a damped
trend and a weekly season (statsmodels' Holt-Winters); one with fewer weeks, simple
exponential smoothing on top of its weekly profile; an intermittent one (most days
without a sale) the Syntetos-Boylan correction of Croston's method, which forecasts the
demand rate rather than chasing the zeros; a new one, its mean. Every forecast says which
model made it and how far its one-step errors spread, which the reorder point needs.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

SEASON = 7
"""Days in the demand cycle: a week."""

HOLT_WINTERS, SEASONAL_SMOOTHING, CROSTON_SBA, MEAN = (
    "holt_winters", "seasonal_smoothing", "croston_sba", "mean")
MODELS = (HOLT_WINTERS, SEASONAL_SMOOTHING, CROSTON_SBA, MEAN)


@dataclass(frozen=True)
class ModelChoice:
    """Which model a history gets: full seasonal models need ``seasonal_weeks`` weeks;
    a history with fewer than ``dense_share`` of its days selling is intermittent."""

    seasonal_weeks: int = 4
    min_weeks: int = 2
    dense_share: float = 0.5

    def model_for(self, history: np.ndarray) -> str:
        days = len(history)
        selling = float(np.mean(history > 0)) if days else 0.0
        if days < self.min_weeks * SEASON:
            return MEAN
        if selling < self.dense_share:
            return CROSTON_SBA
        if days >= self.seasonal_weeks * SEASON:
            return HOLT_WINTERS
        return SEASONAL_SMOOTHING


@dataclass(frozen=True)
class Forecast:
    """``values[i]`` units expected on day ``i + 1`` after the history; ``sigma`` the
    standard deviation of the model's one-step errors on the history (units a day)."""

    values: np.ndarray
    model: str
    sigma: float

    def total(self, days: int) -> float:
        """Expected demand over the next ``days`` days."""
        return float(np.sum(self.values[:days]))


def forecast(history: Sequence[float] | np.ndarray, horizon: int,
             choice: ModelChoice | None = None) -> Forecast:
    """Forecast ``horizon`` days after ``history`` (daily units, oldest first, no gaps)."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    series = np.asarray(history, dtype=float)
    if series.ndim != 1 or np.any(~np.isfinite(series)) or np.any(series < 0):
        raise ValueError("history must be finite, non-negative daily quantities")
    model = (choice or ModelChoice()).model_for(series)
    fitters = {HOLT_WINTERS: _holt_winters, SEASONAL_SMOOTHING: _seasonal_smoothing,
               CROSTON_SBA: _croston_sba, MEAN: _mean}
    values, fitted = fitters[model](series, horizon)
    return Forecast(np.clip(values, 0.0, None), model, _sigma(series, fitted))


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """The baseline: each day repeats the same weekday of the last week (the mean of the
    history while it is shorter than a week)."""
    if len(history) < SEASON:
        return np.full(horizon, float(np.mean(history)) if len(history) else 0.0)
    last = history[-SEASON:]
    return np.array([last[i % SEASON] for i in range(horizon)], dtype=float)


def _sigma(series: np.ndarray, fitted: np.ndarray | None) -> float:
    """Spread of one-step errors; without fitted values, of the seasonal-naive ones."""
    if fitted is not None and len(fitted) == len(series) and len(series) > 1:
        errors = series - fitted
    elif len(series) > SEASON:
        errors = series[SEASON:] - series[:-SEASON]
    elif len(series) > 1:
        errors = series - np.mean(series)
    else:
        return 0.0
    return float(np.std(errors, ddof=1)) if len(errors) > 1 else 0.0


def _holt_winters(series: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    try:
        with warnings.catch_warnings():  # convergence chatter on short or flat series
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(series, trend="add", damped_trend=True,
                                       seasonal="add", seasonal_periods=SEASON,
                                       initialization_method="estimated").fit()
        values = np.asarray(fit.forecast(horizon), dtype=float)
        if np.all(np.isfinite(values)):
            return values, np.asarray(fit.fittedvalues, dtype=float)
    except (ValueError, np.linalg.LinAlgError) as error:
        log.info("Holt-Winters failed (%s); falling back to seasonal smoothing", error)
    return _seasonal_smoothing(series, horizon)


def _seasonal_smoothing(series: np.ndarray, horizon: int
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """Level by simple exponential smoothing of the deseasonalised series, times each
    weekday's share of the week (from the whole history)."""
    days = np.arange(len(series))
    weekly = np.array([np.mean(series[days % SEASON == d]) for d in range(SEASON)])
    mean = float(np.mean(weekly))
    profile = weekly / mean if mean > 0 else np.ones(SEASON)
    adjusted = np.divide(series, profile[days % SEASON], out=np.zeros_like(series),
                         where=profile[days % SEASON] > 0)
    level, fitted_levels = _smooth(adjusted, alpha=0.3)
    future = (len(series) + np.arange(horizon)) % SEASON
    return level * profile[future], fitted_levels * profile[days % SEASON]


def _smooth(values: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """Simple exponential smoothing: the final level and the one-step fitted values."""
    level = float(values[0])
    fitted = np.empty(len(values))
    for i, value in enumerate(values):
        fitted[i] = level
        level += alpha * (float(value) - level)
    return level, fitted


def _croston_sba(series: np.ndarray, horizon: int, alpha: float = 0.1
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """Croston's method with the Syntetos-Boylan bias correction: smoothed demand size
    over smoothed interval between demands, times (1 - alpha / 2)."""
    demands = np.flatnonzero(series > 0)
    if len(demands) == 0:
        return np.zeros(horizon), np.zeros(len(series))
    size = float(np.mean(series[demands]))    # started at the history's averages, so a
    interval = len(series) / len(demands)      # short history is not pulled to its first sale
    fitted = np.empty(len(series))
    since = 0
    for i, value in enumerate(series):
        fitted[i] = (1 - alpha / 2) * size / interval
        since += 1
        if value > 0:
            size += alpha * (float(value) - size)
            interval += alpha * (since - interval)
            since = 0
    rate = (1 - alpha / 2) * size / max(interval, 1.0)
    return np.full(horizon, rate), fitted


def _mean(series: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
    level = float(np.mean(series)) if len(series) else 0.0
    return np.full(horizon, level), None if len(series) < 2 else np.full(len(series), level)

