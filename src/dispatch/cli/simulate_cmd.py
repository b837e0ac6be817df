"""``dispatch simulate``: run a scenario's day through the service and report on it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dispatch.cli.output import console
from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.scenarios.loading import load_scenario
from dispatch.sim.kpis import DayKpis, day_kpis
from dispatch.sim.report import write_report
from dispatch.sim.run import SimOptions, simulate

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ROWS = (("on-time rate", "on_time_rate", "{:.1%}"),
         ("lateness mean / p90 (min)", ("lateness_mean_min", "lateness_p90_min"), "{:.1f}"),
         ("first-attempt success", "first_attempt_success", "{:.1%}"),
         ("km per order", "km_per_order", "{:.2f}"),
         ("driver utilisation", "driver_utilisation", "{:.1%}"),
         ("ETA error MAE / p90 (min)", ("eta_mae_min", "eta_p90_min"), "{:.1f}"),
         ("orders delivered / placed", ("delivered", "orders"), "{}"),
         ("refused (payment, stock)", "refused", "{}"),
         ("stockouts", "stockouts", "{}"),
         ("pick mismatches per 100", "pick_mismatches_per_100", "{:.1f}"))


def _until(value: str | None) -> int | None:
    if value is None:
        return None
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"--until: expected a clock time HH:MM, got {value!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def kpi_table(kpis: DayKpis, title: str) -> Table:
    table = Table(title=title)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    values = kpis.as_dict()
    for label, keys, fmt in _ROWS:
        keys = keys if isinstance(keys, tuple) else (keys,)
        table.add_row(label, " / ".join(fmt.format(values[k]) for k in keys))
    return table


def simulate_command(
    scenario_path: Annotated[Path, typer.Argument(help="Scenario file (scenarios/*.yaml)")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same day")] = 0,
    until: Annotated[str | None, typer.Option(help="Stop at this clock time (HH:MM)")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the report")] = Path("out/sim"),
    url: Annotated[str | None, typer.Option(help="Database URL (default: a fresh SQLite "
                                                 "file in --out)")] = None,
) -> None:
    """Simulate a day of the scenario on the real service and write its KPIs, event log
    and map."""
    scenario = load_scenario(scenario_path)
    options = SimOptions(seed=seed, until_minute=_until(until))
    out.mkdir(parents=True, exist_ok=True)
    if url is None:  # a fresh file per scenario and seed, replacing an earlier run's
        path = out / f"{scenario.name}-seed{seed}.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    database = Database(make_engine(url))
    database.migrate()
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task(f"simulating {scenario.name} (seed {seed})", total=1.0)
            run = simulate(database, scenario, options,
                           progress=lambda share: bar.update(task, completed=share))
        kpis = day_kpis(run)
        paths = write_report(run, kpis, out)
    finally:
        database.dispose()
    console.print(kpi_table(kpis, f"{scenario.name}, seed {seed}"))
    console.print(f"report: {paths['kpis']}, {paths['events']}, {paths['map']}; "
                  f"database: {url}")
