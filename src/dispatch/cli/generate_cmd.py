"""``dispatch bench-generate``: write G&H-style VRPTW instances of any size as Solomon files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dispatch.bench.generator import LAYOUTS, WINDOWS, InstanceSpec, generate, write_instance_file
from dispatch.cli.output import console


def choices(option: str, value: str, known: tuple[str, ...]) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    if not chosen:
        raise ValueError(f"--{option}: give at least one of {', '.join(known)}")
    for part in chosen:
        if part not in known:
            raise ValueError(f"--{option}: unknown value {part!r} (known: {', '.join(known)})")
    return list(dict.fromkeys(chosen))


def _sizes(value: str) -> list[int]:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise ValueError("--sizes: give at least one customer count, e.g. 1000,5000")
    sizes = []
    for part in parts:
        if not part.isdigit() or int(part) < 10:
            raise ValueError(f"--sizes: {part!r} is not a customer count of at least 10")
        sizes.append(int(part))
    return list(dict.fromkeys(sizes))


def specs_from_options(sizes: str, layouts: str, windows: str, seed: int) -> list[InstanceSpec]:
    """The instances the options ask for, every size × layout × window class; bad options
    are a one-line ``ValueError`` naming the option."""
    if seed < 0:
        raise ValueError(f"--seed: must not be negative, got {seed}")
    return [InstanceSpec(n, layout, window, seed=seed) for n in _sizes(sizes)
            for layout in choices("layouts", layouts, LAYOUTS)
            for window in choices("windows", windows, WINDOWS)]


def generate_command(
    sizes: Annotated[str, typer.Option(help="Customer counts")] = "1000,5000,10000",
    layouts: Annotated[str, typer.Option(help="R, C, RC")] = "random,clustered,mixed",
    windows: Annotated[str, typer.Option(help="Class 1, class 2")] = "tight,wide",
    seed: Annotated[int, typer.Option(help="Same seed, same files")] = 0,
    out: Annotated[Path, typer.Option(help="Folder for the files")] = Path("out/scale"),
) -> None:
    """Generate one Solomon-format instance file per size, layout and window class."""
    table = Table(title=f"Instances written to {out}")
    for column in ("name", "customers", "vehicles", "capacity", "horizon"):
        table.add_column(column, justify="left" if column == "name" else "right")
    for spec in specs_from_options(sizes, layouts, windows, seed):
        instance = generate(spec)
        write_instance_file(instance, out)
        table.add_row(instance.name, str(len(instance.customers)), str(instance.vehicles),
                      f"{instance.capacity:g}", f"{instance.depot.due:g}")
    console.print(table)
