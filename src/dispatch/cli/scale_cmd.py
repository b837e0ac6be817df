"""``dispatch bench-scale``: generated instances of 1,000 to 10,000 customers, each solved
in a process of its own; time to the first plan, the plan at the time limit, peak memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dispatch.bench.generator import generate, write_instance_file
from dispatch.bench.scale import ScaleResult, run_case
from dispatch.cli.generate_cmd import specs_from_options
from dispatch.cli.output import console


def scale_command(
    sizes: Annotated[str, typer.Option(help="customer counts")] = "1000,5000,10000",
    layouts: Annotated[str, typer.Option(help="random, clustered, mixed")] = "random,clustered",
    windows: Annotated[str, typer.Option(help="tight, wide")] = "tight",
    seed: Annotated[int, typer.Option(help="instance seed")] = 0,
    time_limit: Annotated[float, typer.Option(min=0.1, help="seconds of search per case")] = 60,
    timeout: Annotated[float, typer.Option(min=1, help="kill a case after this many "
                                                       "seconds")] = 600,
    out: Annotated[Path, typer.Option(help="folder for the instance files")] = Path(
        "out/scale"),
    json_out: Annotated[Path | None, typer.Option("--json", help="write results here")] = None,
) -> None:
    """Solve generated G&H-style instances one by one, each in its own process."""
    specs = specs_from_options(sizes, layouts, windows, seed)
    if timeout < time_limit:
        raise ValueError(f"--timeout: must be at least --time-limit ({time_limit:g} s)")
    results: list[ScaleResult] = []
    for spec in specs:
        path = write_instance_file(generate(spec), out)
        console.print(f"{path.stem}: solving ({time_limit:g} s, stopped at {timeout:g} s)…")
        results.append(run_case(path, time_limit, timeout))
    console.print(_table(results, time_limit))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")


def _table(results: list[ScaleResult], time_limit: float) -> Table:
    table = Table(title=f"Scale benchmark, whole instance, {time_limit:g} s")
    for column in ("instance", "customers", "status", "first plan s", "vehicles", "distance",
                   "unassigned", "feasible", "wall s", "peak MB"):
        table.add_column(column, justify="left" if column in ("instance", "status") else "right")
    for r in results:
        table.add_row(r.name, str(r.customers), r.status, _num(r.first_plan_seconds, 1),
                      _num(r.vehicles, 0), _num(r.distance, 0), _num(r.unassigned, 0),
                      "" if r.feasible is None else "yes" if r.feasible else "[red]NO[/]",
                      f"{r.wall_seconds:.1f}", _num(r.peak_memory_mb, 0))
    return table


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"
