#!/usr/bin/env python
"""Mixed open-loop load: order placements and ETA lookups per second at p99 under 100 ms.

This creates a fresh PostgreSQL database (a new schema in the ``test`` database, dropped
afterwards, or the database of ``--postgres-url``), seeds stock, warehouses and a
dispatcher token for placements (``bench_orders.seed``) and ``--drivers`` drivers with
active routes of ``--stops`` out-for-delivery orders for tracking links
(``bench_tracking.seed``), and starts ``uvicorn api.app:app --workers N`` on a free
loopback port. It then offers an open-loop mix, step by step: for each total rate R of
``--rates``, ``POST /orders`` arrive at R x (1 - ``--lookup-share``) per second and
``GET /track/{token}`` at R x ``--lookup-share`` per second (Poisson arrivals, or evenly
spaced with ``--arrivals even``), each request its own asyncio task, for ``--seconds``.
Latency runs from a request's scheduled arrival, so it includes waiting in the client
and the server: a server that falls behind shows it instead of slowing the load down.
A step meets the target when both kinds have p99 under ``--target-ms`` and no errors
(non-2xx, timeouts, connection failures); the best such step is reported at the end.
Client and server share the machine, so the client's CPU counts against the server's.

    .venv/bin/python scripts/bench_load.py
    .venv/bin/python scripts/bench_load.py --rates 50,100,150,200,300 --lookup-share 0.7 \\
        --seconds 20 --workers 2 --json out/bench_load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench_orders import order_body
from bench_orders import seed as seed_stock
from bench_tracking import Stats
from bench_tracking import seed as seed_fleet
from benchlib import (
    RawHttp,
    fresh_database,
    percentile,
    process_tree_cpu,
    server,
    uvicorn_options,
)
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

try:
    import uvloop
except ImportError:  # the client then runs on the standard event loop
    uvloop = None

KINDS = ("placements", "lookups")
# uvicorn closes a keep-alive connection idle for 5 s; reusing one it is closing fails the
# request (0 bytes read), so connections idle this long are closed by the client first.
IDLE_SECONDS = 2.0
REQUEST_ERRORS = (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError,
                  asyncio.LimitOverrunError)

console = Console()
if not console.is_terminal:  # a pipe or a file: wide enough for the tables
    console.width = max(console.width, 120)


class SetupError(Exception):
    """The database, the seed or the server could not be brought up."""


@dataclass
class Workload:
    base_url: str
    token: str
    skus: list[str]
    tracking_tokens: list[str]
    timeout: float
    connections: asyncio.Semaphore
    idempotency: bool
    idle: list[tuple[RawHttp, float]] = field(default_factory=list)  # (connection, last use)
    rng: random.Random = field(default_factory=lambda: random.Random(3))


@dataclass
class Step:
    rate: float
    offered: dict[str, float]
    stats: dict[str, Stats]
    elapsed: float
    cpu_ms: float | None  # server CPU per answered request

    def p(self, kind: str, q: float) -> float:
        return percentile(self.stats[kind].latencies, q) * 1000

    def achieved(self, kind: str) -> float:
        return len(self.stats[kind].latencies) / self.elapsed

    def errors(self) -> int:
        return sum(stats.errors for stats in self.stats.values())

    def meets(self, target_ms: float) -> bool:
        return not self.errors() and all(
            self.p(kind, 99) < target_ms for kind in KINDS if self.stats[kind].latencies)

    def as_dict(self, target_ms: float) -> dict:
        def p(kind: str, q: float) -> float | None:
            value = self.p(kind, q)
            return None if value != value else value  # NaN (no answer of that kind): null

        return {"rate": self.rate, "seconds": self.elapsed, "meets_target": self.meets(target_ms),
                "server_cpu_ms_per_request": self.cpu_ms, **{kind: {
                    "offered_per_s": self.offered[kind], "achieved_per_s": self.achieved(kind),
                    "ok": len(self.stats[kind].latencies), "errors": self.stats[kind].errors,
                    "p50_ms": p(kind, 50), "p99_ms": p(kind, 99),
                    "error_samples": self.stats[kind].samples} for kind in KINDS}}


# --- The load ----------------------------------------------------------------------------


async def _request(load: Workload, kind: str, scheduled: float, stats: Stats | None) -> None:
    """One request, timed from its scheduled arrival, on an idle (or new) connection."""
    if kind == "placements":
        body = json.dumps(order_body(load.rng, load.skus)).encode()
        headers = {"Authorization": f"Bearer {load.token}"}
        if load.idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        path, expected = "/orders", 201
    else:
        body, headers, expected = None, {}, 200
        path = f"/track/{load.rng.choice(load.tracking_tokens)}"
    now = time.perf_counter  # not the loop's clock: uvloop's counts whole milliseconds
    try:
        async with asyncio.timeout(scheduled + load.timeout - now()), load.connections:
            while load.idle and load.idle[0][1] < now() - IDLE_SECONDS:
                await load.idle.pop(0)[0].close()
            # The most recently used connection: the fewest stay open.
            http = load.idle.pop()[0] if load.idle else RawHttp(load.base_url, load.timeout)
            try:
                status, content = await http.request("POST" if body else "GET", path, body,
                                                      headers)
            finally:  # closed after a failure: it reconnects when reused
                load.idle.append((http, now()))
        ok, detail = status == expected, f"{kind}: {status} {content[:200]!r}"
    except REQUEST_ERRORS as exc:
        ok, detail = False, f"{kind}: {type(exc).__name__}: {exc}"
    if stats is not None:
        stats.record(ok, now() - scheduled, detail)


async def _arrivals(load: Workload, kind: str, rate: float, start: float, seconds: float,
                    poisson: bool, stats: Stats | None, tasks: set[asyncio.Task]) -> None:
    """Start a request task at each arrival of ``kind`` in [start, start + seconds)."""
    if rate <= 0:
        return
    rng = random.Random(f"{kind} {rate}")
    gap = (lambda: rng.expovariate(rate)) if poisson else (lambda: 1 / rate)
    at = start + (gap() if poisson else rng.random() / rate)
    while at < start + seconds:
        if (delay := at - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_request(load, kind, at, stats))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        at += gap()


async def run_step(load: Workload, rate: float, share: float, seconds: float, poisson: bool,
                   record: bool = True) -> tuple[dict[str, float], dict[str, Stats], float]:
    """Offer ``rate`` requests/s (``share`` of them lookups) for ``seconds``, then drain."""
    offered = {"placements": rate * (1 - share), "lookups": rate * share}
    stats = {kind: Stats() for kind in KINDS}
    tasks: set[asyncio.Task] = set()
    start = time.perf_counter() + 0.05
    await asyncio.gather(*(_arrivals(load, kind, offered[kind], start, seconds, poisson,
                                     stats[kind] if record else None, tasks) for kind in KINDS))
    while tasks:  # every request ends by its timeout at the latest
        await asyncio.gather(*tasks)
    return offered, stats, max(seconds, time.perf_counter() - start)


async def run_steps(load: Workload, args: argparse.Namespace, pid: int) -> list[Step]:
    poisson = args.arrivals == "poisson"
    steps: list[Step] = []
    try:
        if args.warmup > 0:
            console.log(f"warm-up: {args.rates[0]:g} requests/s for {args.warmup:g} s")
            await run_step(load, args.rates[0], args.lookup_share, args.warmup, poisson, False)
        for rate in args.rates:
            cpu_start = process_tree_cpu(pid)
            offered, stats, elapsed = await run_step(load, rate, args.lookup_share,
                                                     args.seconds, poisson)
            cpu_end, done = process_tree_cpu(pid), sum(len(s.latencies) for s in stats.values())
            cpu_ms = ((cpu_end - cpu_start) / done * 1000
                      if done and cpu_start is not None and cpu_end is not None else None)
            step = Step(rate, offered, stats, elapsed, cpu_ms)
            steps.append(step)
            print_step(step, args.target_ms)
            if not step.meets(args.target_ms) and not args.keep_going:
                console.log("target missed; stopping (--keep-going runs the remaining rates)")
                break
    finally:
        for http, _ in load.idle:
            await http.close()
    return steps


# --- Reporting ---------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"  # NaN: no request of that kind


def print_step(step: Step, target_ms: float) -> None:
    verdict = "[green]met[/]" if step.meets(target_ms) else "[red]missed[/]"
    cpu = "-" if step.cpu_ms is None else f"{step.cpu_ms:.1f}"
    table = Table(title=f"{step.rate:g} requests/s offered for {step.elapsed:.1f} s; target "
                        f"(p99 < {target_ms:g} ms, 0 errors) {verdict}; uvicorn CPU {cpu} "
                        "ms/request")
    for column in ("kind", "offered/s", "achieved/s", "ok", "p50 ms", "p99 ms", "max ms",
                   "errors"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind in KINDS:
        stats = step.stats[kind]
        table.add_row(kind, f"{step.offered[kind]:.1f}", f"{step.achieved(kind):.1f}",
                      str(len(stats.latencies)), _ms(step.p(kind, 50)), _ms(step.p(kind, 99)),
                      _ms(max(stats.latencies, default=float("nan")) * 1000), str(stats.errors))
    console.print(table)
    for kind in KINDS:
        if step.stats[kind].errors:
            console.log(f"[red]{kind} errors[/], e.g. {step.stats[kind].samples}")


def machine(url: str) -> dict[str, str | int | None]:
    """Cores, CPU model and PostgreSQL version, for the record."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown") \
        if Path("/proc/cpuinfo").exists() else "unknown"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            postgres = conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    return {"cores": os.cpu_count(), "cpu": model, "postgresql": postgres}


# --- Main --------------------------------------------------------------------------------


def bench(args: argparse.Namespace, logs: Path) -> tuple[list[Step], dict]:
    """Set up, then run the steps; anything failing before the load starts is a SetupError."""
    loading = False
    try:
        with fresh_database("postgresql", args.postgres_url) as url:
            info = machine(url)
            console.log(f"seeding {args.skus} SKUs and {args.drivers} routes of "
                        f"{args.stops} stops")
            token, skus = seed_stock(url, skus=args.skus, units=args.units)
            fleet = seed_fleet(url, drivers=args.drivers, stops=args.stops, reserved=0)
            if not fleet.tracking_tokens:
                raise SetupError("no tracking tokens were seeded")
            console.log(f"starting uvicorn with {args.workers} worker(s)")
            env = {"DISPATCH_NOTIFICATION_LOG_PATH": str(logs / "notifications.log")}
            with server(url, args.workers, pool_size=args.pool_size,
                        max_overflow=args.max_overflow, threads=args.threads,
                        log_path=logs / "uvicorn.log", env=env) as (base_url, pid):
                with asyncio.Runner(loop_factory=uvloop.new_event_loop if uvloop else None) \
                        as runner:
                    load = Workload(base_url, token, skus, fleet.tracking_tokens, args.timeout,
                                    asyncio.Semaphore(args.connections), args.idempotency_keys)
                    loading = True
                    return runner.run(run_steps(load, args, pid)), info
    except SetupError:
        raise
    except Exception as exc:  # no database, a failed seed, uvicorn not starting...
        if loading:
            raise
        raise SetupError(_one_line(exc)) from exc


def _one_line(exc: BaseException) -> str:
    exc = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):  # "uvicorn exited:" and the log's tail
        return f"{lines[0]} " + next((line for line in reversed(lines) if "Error" in line),
                                     lines[-1])
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def _rates(value: str) -> list[float]:
    rates = [float(part) for part in value.split(",") if part.strip()]
    if not rates or any(rate <= 0 for rate in rates):
        raise argparse.ArgumentTypeError("positive requests/s, comma-separated")
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=_rates, default=_rates("50,100,150,200,250,300,400"),
                        help="total requests/s offered, one step each (ascending)")
    parser.add_argument("--lookup-share", type=float, default=0.5,
                        help="fraction of the requests that are ETA lookups (0-1)")
    parser.add_argument("--seconds", type=float, default=15.0, help="per step")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds at the first rate before measuring")
    parser.add_argument("--arrivals", choices=["poisson", "even"], default="poisson")
    parser.add_argument("--target-ms", type=float, default=100.0, help="p99 bound per kind")
    parser.add_argument("--keep-going", action="store_true",
                        help="run every rate, not stopping at the first step missing the target")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--postgres-url", default=None,
                        help="benchmark this database (migrated and seeded, not dropped)")
    parser.add_argument("--drivers", type=int, default=50, help="routes for tracking links")
    parser.add_argument("--stops", type=int, default=8, help="orders per route")
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--units", type=int, default=1_000_000, help="stock across all SKUs")
    parser.add_argument("--pool-size", type=int, default=20, help="connections per worker")
    parser.add_argument("--max-overflow", type=int, default=10, help="per worker")
    parser.add_argument("--threads", type=int, default=None,
                        help="DISPATCH_WORKER_THREADS per worker (default: the app's, 4)")
    parser.add_argument("--connections", type=int, default=256,
                        help="most client connections open at once (requests beyond wait, "
                             "and their wait counts in their latency)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds from a request's arrival after which it is an error")
    parser.add_argument("--idempotency-keys", action="store_true",
                        help="send a fresh Idempotency-Key with every order")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if not 0 <= args.lookup_share <= 1:
        parser.error("--lookup-share must be between 0 and 1")

    with tempfile.TemporaryDirectory(prefix="bench-load-logs-") as logs:
        try:
            steps, info = bench(args, Path(logs))
        except SetupError as exc:
            sys.stderr.write(f"bench_load: setup failed: {exc}\n")
            return 2
        server_log = (Path(logs) / "uvicorn.log").read_text(errors="replace").splitlines()
        if any(step.errors() for step in steps):  # what the server said, beyond start and stop
            console.log("uvicorn log:\n" + "\n".join(
                [line for line in server_log if not line.startswith("INFO:")][-30:]))

    table = Table(title=f"Mixed open-loop load on loopback, PostgreSQL, {args.workers} "
                        f"worker(s), {args.lookup_share:.0%} lookups, {args.arrivals} arrivals, "
                        f"{args.seconds:g} s per step, uvicorn {' '.join(uvicorn_options())}")
    for column in ("offered/s", "placements/s", "placement p50/p99 ms", "lookups/s",
                   "lookup p50/p99 ms", "errors", "uvicorn CPU ms/req", "target"):
        table.add_column(column, justify="right")
    for step in steps:
        table.add_row(f"{step.rate:g}", f"{step.achieved('placements'):.1f}",
                      f"{_ms(step.p('placements', 50))} / {_ms(step.p('placements', 99))}",
                      f"{step.achieved('lookups'):.1f}",
                      f"{_ms(step.p('lookups', 50))} / {_ms(step.p('lookups', 99))}",
                      str(step.errors()), "-" if step.cpu_ms is None else f"{step.cpu_ms:.1f}",
                      "[green]yes[/]" if step.meets(args.target_ms) else "[red]no[/]")
    console.print(table)
    passing = [step for step in steps if step.meets(args.target_ms)]
    best = max(passing, key=lambda step: step.rate, default=None)
    if best:
        console.print(f"[bold]Best step meeting p99 < {args.target_ms:g} ms with 0 errors:[/] "
                      f"{best.rate:g} requests/s offered -> "
                      f"{best.achieved('placements'):.1f} placements/s "
                      f"(p99 {_ms(best.p('placements', 99))} ms), "
                      f"{best.achieved('lookups'):.1f} lookups/s "
                      f"(p99 {_ms(best.p('lookups', 99))} ms)")
    else:
        console.print(f"[bold red]No step met p99 < {args.target_ms:g} ms with 0 errors.[/]")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    console.print(f"Machine: {info['cores']} cores, {info['cpu']}, PostgreSQL "
                  f"{info['postgresql']}" + (f"; load average now {load[0]:.2f} {load[1]:.2f} "
                                             f"{load[2]:.2f}" if load else ""))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "machine": info, "target_ms": args.target_ms,
            "config": {key: str(value) if isinstance(value, Path) else value
                       for key, value in vars(args).items()},
            "steps": [step.as_dict(args.target_ms) for step in steps],
            "best": best.as_dict(args.target_ms) if best else None,
        }, indent=2))
        console.print(f"wrote {args.json}")
    return 0 if best else 1


if __name__ == "__main__":
    sys.exit(main())
