"""``dispatch bench-scale``: generated instances of 1,000 to 10,000 customers, each solved
in a process of its own, whole and decomposed, at each time limit; time to the first plan,
the plan at the time limit, peak memory, and which method won."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dispatch.bench.generator import generate, write_instance_file
from dispatch.bench.scale import METHODS, ScaleResult, run_case
from dispatch.cli.generate_cmd import choices, specs_from_options
from dispatch.cli.output import console


def scale_command(
    sizes: Annotated[str, typer.Option(help="customer counts")] = "1000,5000,10000",
    layouts: Annotated[str, typer.Option(help="random, clustered, mixed")] = "random,clustered",
    windows: Annotated[str, typer.Option(help="tight, wide")] = "tight",
    seed: Annotated[int, typer.Option(help="instance seed")] = 0,
    time_limits: Annotated[str, typer.Option(help="seconds of search per case, e.g. 60,300")
                           ] = "60",
    methods: Annotated[str, typer.Option(help="whole, decomposed")] = "whole,decomposed",
    timeout: Annotated[float, typer.Option(min=1, help="kill a case after this many "
                                                       "seconds")] = 600,
    out: Annotated[Path, typer.Option(help="folder for the instance files")] = Path(
        "out/scale"),
    json_out: Annotated[Path | None, typer.Option("--json", help="write results here")] = None,
) -> None:
    """Solve generated G&H-style instances one by one, each in its own process."""
    specs = specs_from_options(sizes, layouts, windows, seed)
    limits = _limits(time_limits)
    chosen = choices("methods", methods, METHODS)
    if timeout < max(limits):
        raise ValueError(f"--timeout: must be at least the longest time limit "
                         f"({max(limits):g} s)")
    results: list[ScaleResult] = []
    for spec in specs:
        path = write_instance_file(generate(spec), out)
        for limit in limits:
            for method in chosen:
                console.print(f"{path.stem}: {method}, {limit:g} s (stopped at {timeout:g} s)…")
                results.append(run_case(path, limit, timeout, method))
    console.print(_table(results))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")


def _limits(value: str) -> list[float]:
    limits = []
    for part in (p.strip() for p in value.split(",") if p.strip()):
        try:
            limit = float(part)
        except ValueError:
            limit = 0.0
        if not limit >= 0.1:
            raise ValueError(f"--time-limits: {part!r} is not a number of seconds (0.1 or more)")
        limits.append(limit)
    if not limits:
        raise ValueError("--time-limits: give at least one, e.g. 60,300")
    return list(dict.fromkeys(limits))


def _best(results: list[ScaleResult]) -> set[int]:
    """Positions of the best answer for each instance and time limit, when several methods
    ran and one is strictly ahead (complete, then fewer vehicles, then shorter)."""
    cases: dict[tuple[str, float], list[int]] = {}
    for i, r in enumerate(results):
        cases.setdefault((r.name, r.time_limit), []).append(i)
    best = set()
    for positions in cases.values():
        ranks = sorted(positions, key=lambda i: results[i].rank())
        if len(ranks) > 1 and results[ranks[0]].rank() < results[ranks[1]].rank():
            best.add(ranks[0])
    return best


def _table(results: list[ScaleResult]) -> Table:
    table = Table(title="Scale benchmark (hierarchical: vehicles, then distance; * = ahead)")
    for column in ("instance", "customers", "method", "limit s", "status", "first plan s",
                   "vehicles", "distance", "unassigned", "feasible", "wall s", "peak MB"):
        left = column in ("instance", "method", "status")
        table.add_column(column, justify="left" if left else "right")
    best = _best(results)
    for i, r in enumerate(results):
        table.add_row(r.name, str(r.customers), r.method + (" *" if i in best else ""),
                      f"{r.time_limit:g}", r.status, _num(r.first_plan_seconds, 1),
                      _num(r.vehicles, 0), _num(r.distance, 0), _num(r.unassigned, 0),
                      "" if r.feasible is None else "yes" if r.feasible else "[red]NO[/]",
                      f"{r.wall_seconds:.1f}", _num(r.peak_memory_mb, 0))
    return table


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"
