"""ETA error of a simulated day by how far ahead the ETA was shown.

    .venv/bin/python scripts/eta_by_lead.py scenarios/grocery-sameday.yaml --seed 1

Runs the day (planned policy) on a temporary SQLite file and prints, per lead bucket, how
many ETAs customers could see, their mean signed error (positive: service began later than
promised) and mean absolute error, in minutes: whether an error is bias to correct or noise
that grows with the stops ahead.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dispatch.scenarios.loading import load_scenario
from dispatch.sim.run import SimOptions
from dispatch.sim.session import eta_errors, simulate_to_db

BUCKETS = ((0, 15), (15, 30), (30, 60), (60, 120), (120, None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run = simulate_to_db(Path(folder) / "day.db", load_scenario(args.scenario),
                             SimOptions(seed=args.seed))
        errors = eta_errors(run)
        run.database.dispose()
    table = Table("lead (min)", "ETAs", "mean error", "MAE",
                  title=f"{run.scenario.name}, seed {args.seed}: ETA error (min) by lead")
    for low, high in BUCKETS:
        chosen = [e.error_min for e in errors
                  if e.lead_min >= low and (high is None or e.lead_min < high)]
        if chosen:
            table.add_row(f"{low}-{high}" if high is not None else f"{low}+", str(len(chosen)),
                          f"{statistics.mean(chosen):.2f}",
                          f"{statistics.mean(abs(x) for x in chosen):.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
