"""The ``dispatch`` command line: one sub-command per module in this package."""

from __future__ import annotations

import logging
import sys

import typer

from dispatch.cli import (
    bench_cmd,
    generate_cmd,
    relay_cmd,
    report_cmd,
    scale_cmd,
    service_cmds,
    simulate_cmd,
    solve_cmd,
    wave_cmd,
    worker_cmd,
)

app = typer.Typer(help="Delivery routing and dispatch.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.command("solve")(solve_cmd.solve_command)
app.command("bench")(bench_cmd.bench_command)
app.command("bench-wave")(wave_cmd.wave_command)
app.command("bench-generate")(generate_cmd.generate_command)
app.command("bench-scale")(scale_cmd.scale_command)
app.add_typer(service_cmds.db_app, name="db")
app.add_typer(service_cmds.users_app, name="users")
app.command("serve")(service_cmds.serve_command)
app.command("demo")(service_cmds.demo_command)
app.command("relay")(relay_cmd.relay_command)
app.command("simulate")(simulate_cmd.simulate_command)
app.command("report")(report_cmd.report_command)
app.command("worker")(worker_cmd.worker_command)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except ValueError as exc:  # bad input: one line, no traceback
        typer.secho(f"error: {exc}", err=True, fg="red")
        sys.exit(2)
