"""Forecast benchmark: rolling-origin backtest on seeded synthetic sales histories.

    .venv/bin/python scripts/bench_forecast.py [--seed 0] [--horizon 7]

Prints, for the forecasts and for the seasonal-naive baseline (same day last week), MASE
and MAPE pooled over every series, then per kind of series (steady sellers with weekly
seasonality and trend, slow movers, new SKUs) and which model each kind got.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from rich.console import Console
from rich.table import Table

from dispatch.analytics.backtest import backtest
from dispatch.analytics.synthetic_demand import DemandShape, synthetic_histories


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizon", type=int, default=7)
    args = parser.parse_args()
    shape = DemandShape()
    histories = synthetic_histories(shape, seed=args.seed)
    started = time.perf_counter()
    result = backtest(histories, horizon=args.horizon, step=7, min_train=14)
    seconds = time.perf_counter() - started
    table = Table("series", "count", "models", "MASE", "MASE naive", "MAPE", "MAPE naive",
                  title=f"forecast backtest, seed {args.seed}, horizon {args.horizon} days "
                        f"({seconds:.1f} s)")
    table.add_row("all", str(len(result.series)), "", f"{result.forecast.mase:.3f}",
                  f"{result.baseline.mase:.3f}", _pct(result.forecast.mape),
                  _pct(result.baseline.mape))
    for kind in ("steady", "slow", "new"):
        rows = [s for s in result.series if s.key.startswith(kind)]
        if not rows:
            continue
        models = ", ".join(f"{m} {n}" for m, n in Counter(s.model for s in rows).items())
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        mapes = [s.forecast.mape for s in rows if s.forecast.mape is not None]
        naive_mapes = [s.baseline.mape for s in rows if s.baseline.mape is not None]
        table.add_row(kind, str(len(rows)), models, f"{mean([s.forecast.mase for s in rows]):.3f}",
                      f"{mean([s.baseline.mase for s in rows]):.3f}",
                      _pct(mean(mapes) if mapes else None),
                      _pct(mean(naive_mapes) if naive_mapes else None))
    Console().print(table)
    verdict = "beats" if result.beats_baseline else "does NOT beat"
    Console().print(f"forecasts {verdict} seasonal-naive on total MASE")


if __name__ == "__main__":
    main()
