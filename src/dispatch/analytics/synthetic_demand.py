"""Daily sales histories with known structure, for benchmarking the forecasts.

Each series has a level, a linear trend, a weekly profile (busier towards the weekend, by
a random amount) and Poisson noise; some are slow movers that sell on few days, and some
are new, with only the last few weeks recorded. Seeded: the same seed, the same histories.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dispatch.analytics.forecast import SEASON


@dataclass(frozen=True)
class DemandShape:
    """How many series of each kind, over how many days."""

    days: int = 182
    steady: int = 40
    slow: int = 10
    new: int = 5
    new_days: int = 21


def synthetic_histories(shape: DemandShape = DemandShape(), seed: int = 0
                        ) -> dict[str, np.ndarray]:
    """``{"WH-SKU": daily units}``: steady sellers, slow movers and new SKUs."""
    rng = np.random.default_rng(seed)
    histories: dict[str, np.ndarray] = {}
    kinds = (("steady", shape.steady, (4.0, 40.0)), ("slow", shape.slow, (0.1, 0.6)),
             ("new", shape.new, (3.0, 20.0)))
    for kind, count, (low, high) in kinds:
        for i in range(count):
            rate = _rates(rng, shape.days, rng.uniform(low, high))
            series = rng.poisson(rate).astype(float)
            if kind == "new":
                series = series[-shape.new_days:]
            histories[f"{kind}-{i:03d}"] = series
    return histories


def _rates(rng: np.random.Generator, days: int, level: float) -> np.ndarray:
    """Expected units per day: level × (1 + trend × day) × weekday factor."""
    trend = rng.uniform(-0.002, 0.004)  # -0.2% to +0.4% a day
    weekend = rng.uniform(0.2, 0.8)     # Friday and Saturday this much busier
    profile = np.ones(SEASON)
    profile[[4, 5]] += weekend
    profile[6] -= weekend / 2           # Sunday quieter
    profile /= profile.mean()
    t = np.arange(days)
    return np.clip(level * (1 + trend * t) * profile[t % SEASON], 0.0, None)
