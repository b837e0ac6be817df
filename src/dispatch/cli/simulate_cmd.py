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
from dispatch.scenarios.schema import Scenario
from dispatch.sim.kpis import DayKpis, day_kpis
from dispatch.sim.report import write_report
from dispatch.sim.run import POLICIES, SimOptions, simulate

_COMPARED = (("on-time rate", "on_time_rate", "{:.1%}"),
             ("first-attempt success", "first_attempt_success", "{:.1%}"),
             ("km per order", "km_per_order", "{:.2f}"),
             ("lateness mean (min)", "lateness_mean_min", "{:.1f}"),
             ("ETA error MAE, last hour (min)", "eta_mae_min", "{:.1f}"),
             ("driver utilisation", "driver_utilisation", "{:.1%}"))
_HEADLINE = (("on time", "on_time_rate", "{:.1%}"),
             ("km/order", "km_per_order", "{:.2f}"),
             ("ETA MAE", "eta_mae_min", "{:.1f}"))
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ROWS = (("on-time rate", "on_time_rate", "{:.1%}"),
         ("lateness mean / p90 (min)", ("lateness_mean_min", "lateness_p90_min"), "{:.1f}"),
         ("first-attempt success", "first_attempt_success", "{:.1%}"),
         ("km per order", "km_per_order", "{:.2f}"),
         ("driver utilisation", "driver_utilisation", "{:.1%}"),
         ("ETA error MAE / p90, last hour (min)", ("eta_mae_min", "eta_p90_min"), "{:.1f}"),
         ("ETA error MAE, any lead (min)", "eta_mae_all_min", "{:.1f}"),
         ("orders delivered / placed", ("delivered", "orders"), "{}"),
         ("refused (payment, stock)", "refused", "{}"),
         ("stockouts", "stockouts", "{}"),
         ("pick mismatches per 100", "pick_mismatches_per_100", "{:.1f}"),
         ("returns requested / picked up / restocked",
          ("returns_requested", "returns_picked_up", "returns_restocked"), "{}"),
         ("exchanges", "exchanges", "{}"),
         ("notifications sent", "notifications_sent", "{}"))


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
    policy: Annotated[str, typer.Option(help="planned (waves by batching policy) or "
                                             "greedy (each order to the nearest free "
                                             "driver)")] = "planned",
    compare: Annotated[str | None, typer.Option(help="also run this policy on the same "
                                                     "demand and print both")] = None,
    osm: Annotated[Path | None, typer.Option(help="Road network (.osm.pbf): plan and drive "
                                                  "on its roads; overrides the scenario's "
                                                  "road_network. Without either, travel is "
                                                  "great-circle distance")] = None,
    great_circle: Annotated[bool, typer.Option("--great-circle", help="Ignore the scenario's "
                                                                      "road_network: travel "
                                                                      "is great-circle "
                                                                      "distance")] = False,
    seeds: Annotated[str | None, typer.Option(help="several days instead of --seed: a range "
                                                   "(1-5) or a list (1,4,9); prints each "
                                                   "day's headline KPIs and the mean")] = None,
) -> None:
    """Simulate a day of the scenario on the real service and write its KPIs, event log
    and map."""
    scenario = load_scenario(scenario_path)
    minute = _until(until)
    roads = road_source(scenario, scenario_path.name, osm, great_circle)
    policies = [policy] + ([compare] if compare else [])
    for name in policies:
        if name not in POLICIES:
            raise ValueError(f"--policy/--compare: expected one of {', '.join(POLICIES)}, "
                             f"got {name!r}")
    console.print(f"travel: roads of {roads}" if roads else "travel: great-circle distance")
    if seeds is not None:
        days = {k: {name: _one_day(scenario, SimOptions(seed=k, policy=name, until_minute=minute,
                                                        osm=roads), out / f"seed{k}" / name, None)
                    for name in policies} for k in _seed_list(seeds)}
        console.print(seeds_table(days, policies, scenario.name))
        return
    results = {name: _one_day(scenario, SimOptions(seed=seed, policy=name, until_minute=minute,
                                                   osm=roads),
                              out / name if compare else out, url if not compare else None)
               for name in policies}
    for name, kpis in results.items():
        console.print(kpi_table(kpis, f"{scenario.name}, seed {seed}, {name}"))
    if compare:
        console.print(comparison_table(results[policy], results[compare], policy, compare))


def _seed_list(value: str) -> list[int]:
    try:
        if "-" in value:
            first, last = (int(part) for part in value.split("-", 1))
            chosen = list(range(first, last + 1))
        else:
            chosen = [int(part) for part in value.split(",")]
    except ValueError:
        chosen = []
    if not chosen or len(chosen) > 100 or min(chosen) < 0:
        raise ValueError(f"--seeds: expected a range like 1-5 or a list like 1,4,9 (at most "
                         f"100 non-negative seeds), got {value!r}")
    return chosen


def seeds_table(days: dict[int, dict[str, DayKpis]], policies: list[str], name: str) -> Table:
    """One row per seed with each policy's headline KPIs, and their mean."""
    table = Table(title=f"{name}: {len(days)} days")
    table.add_column("seed")
    for policy in policies:
        for label, _, _ in _HEADLINE:
            table.add_column(f"{policy} {label}", justify="right")
    rows = [(str(k), [day[p].as_dict() for p in policies]) for k, day in days.items()]
    mean = [{key: sum(day[p].as_dict()[key] for day in days.values()) / len(days)
             for _, key, _ in _HEADLINE} for p in policies]
    for seed, values in [*rows, ("mean", mean)]:
        table.add_row(seed, *(fmt.format(v[key]) for v in values for _, key, fmt in _HEADLINE))
    return table


def road_source(scenario: Scenario, file_name: str, osm: Path | None,
                great_circle: bool) -> Path | None:
    """The OSM extract the day runs on: ``--osm``, else the scenario's ``road_network``
    (relative to the current directory, the repository root), else none."""
    if osm is not None and great_circle:
        raise ValueError("--osm and --great-circle: give one or the other")
    if osm is not None:
        if not osm.is_file():
            raise ValueError(f"--osm: OSM file not found: {osm}")
        return osm
    named = scenario.road_network.osm if scenario.road_network else None
    if great_circle or not named:
        return None
    if not Path(named).is_file():
        raise ValueError(f"{file_name}: road_network.osm: OSM file not found: "
                         f"{Path(named).resolve()} (pass --osm PATH, or --great-circle)")
    return Path(named)


def _one_day(scenario, options: SimOptions, out: Path, url: str | None) -> DayKpis:
    out.mkdir(parents=True, exist_ok=True)
    if url is None:  # a fresh file per scenario, seed and policy, replacing an earlier run's
        path = out / f"{scenario.name}-seed{options.seed}.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    database = Database(make_engine(url))
    database.migrate()
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task(f"simulating {scenario.name} (seed {options.seed}, "
                                f"{options.policy})", total=1.0)
            run = simulate(database, scenario, options,
                           progress=lambda share: bar.update(task, completed=share))
        kpis = day_kpis(run)
        paths = write_report(run, kpis, out)
    finally:
        database.dispose()
    console.print(f"{options.policy}: report {paths['kpis']}, {paths['events']}, "
                  f"{paths['map']}; database {url}")
    return kpis


def comparison_table(left: DayKpis, right: DayKpis, left_name: str, right_name: str) -> Table:
    """The two days side by side, with the difference (left minus right)."""
    table = Table(title=f"{left_name} vs {right_name} (same demand)")
    for column in ("KPI", left_name, right_name, "difference"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    a, b = left.as_dict(), right.as_dict()
    for label, key, fmt in _COMPARED:
        change = (a[key] - b[key]) / b[key] if key == "km_per_order" and b[key] else None
        diff = (f"{a[key] - b[key]:+.1%}".replace("%", " pts") if fmt.endswith("%}")
                else f"{a[key] - b[key]:+.2f}" + (f" ({change:+.0%})" if change is not None
                                                  else ""))
        table.add_row(label, fmt.format(a[key]), fmt.format(b[key]), diff)
    return table
