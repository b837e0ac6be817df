"""``dispatch bench-wave``: how fast a realistic wave gets its first complete plan."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from dispatch.bench.wave import generate_wave
from dispatch.cli.output import console
from dispatch.routing.solver import SolveParams, solve


def wave_command(
    stops: Annotated[int, typer.Option(help="Stops in the wave")] = 200,
    vehicles: Annotated[int, typer.Option(help="Vehicles available")] = 20,
    seeds: Annotated[int, typer.Option(help="Generated waves to time")] = 5,
    time_limit: Annotated[float, typer.Option(help="Solve limit in seconds")] = 1.0,
    workers: Annotated[int, typer.Option(help="Parallel searches")] = 1,
) -> None:
    """Time-to-first-plan on generated lat/lon waves (great-circle matrix included)."""
    table = Table(title=f"{stops}-stop, {vehicles}-vehicle waves, {time_limit:g} s limit")
    for column in ("seed", "first plan s", "wall s", "routes", "served", "unassigned", "km"):
        table.add_column(column, justify="right")
    for seed in range(seeds):
        problem = generate_wave(stops, vehicles, seed)
        started = time.perf_counter()
        solution = solve(problem, SolveParams(time_limit=time_limit, workers=workers))
        wall = time.perf_counter() - started
        first = solution.stats.get("first_solution_seconds")
        served = sum(len(r.visits) for r in solution.routes)
        table.add_row(str(seed), f"{first:.3f}" if first is not None else "-", f"{wall:.2f}",
                      str(solution.vehicles_used), str(served), str(len(solution.unassigned)),
                      f"{solution.distance / 1000:.0f}")
    console.print(table)
