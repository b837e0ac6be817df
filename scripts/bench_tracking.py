#!/usr/bin/env python
"""Live tracking under load: pings ingested per second, ETA lookups, ping-to-ETA delay.

For each backend this creates a fresh database, seeds ``--drivers`` drivers each with an
active route of ``--stops`` out-for-delivery orders (placed and picked through the
services), starts ``uvicorn api.app:app`` on a free loopback port and measures, with
``--clients`` concurrent asyncio clients:

1. pings: every client sends ``POST /drivers/me/location`` for its drivers in turn (each
   ping moves the driver ~20 m, so each one re-times the route's remaining stops);
2. ETA lookups: ``GET /track/{token}`` for random orders, p50/p99 latency;
3. ping to updated ETA: for ``--samples`` drivers, one ping 3 km off the route, then the
   first stop's tracking link is polled until its ETA changes; the delay from sending the
   ping to seeing the new ETA is reported (p50/max).

Client and server share the machine, so the client's CPU counts against the server's.

    .venv/bin/python scripts/bench_tracking.py --backend both
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
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal, create_user
from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.fleet.models import Driver
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, Warehouse
from tests.support.routes import publish_route, ready_order
from tests.support.world import World

DEPOT = (43.7384, 7.4246)
STEP_DEG = 0.00018  # ~20 m of latitude per ping

console = Console()
if not console.is_terminal:
    console.width = max(console.width, 120)


@dataclass
class Fleet:
    """What the clients need: a token and a position per driver, tracking tokens."""

    drivers: list[tuple[str, list[float]]] = field(default_factory=list)
    first_stop_tokens: list[str] = field(default_factory=list)
    tracking_tokens: list[str] = field(default_factory=list)
    reserved: int = 0  # the last drivers, kept out of the ping load for the delay samples


def seed(url: str, *, drivers: int, stops: int, reserved: int) -> Fleet:
    """One depot, SKUs, ``drivers`` drivers with routes of ``stops`` orders, out for delivery."""
    database = Database(make_engine(url))
    world = World()
    fleet = Fleet(reserved=reserved)
    drivers += reserved
    with database.uow() as uow:
        db = uow.db
        warehouse = Warehouse(code="MC", name="Monaco Port", lat=DEPOT[0], lon=DEPOT[1])
        db.add(warehouse)
        db.flush()
        world.warehouses["MC"] = warehouse.id
        sku = Sku(code="RETRO-CLOCK", name="Retro alarm clock", price_minor=2490,
                  currency="EUR", weight_g=800, volume_ml=1500, skills=[])
        db.add(sku)
        db.flush()
        ensure_level(db, warehouse.id, sku.id)
        move(db, warehouse_id=warehouse.id, sku_id=sku.id, kind=MovementKind.RECEIPT,
             quantity=drivers * stops + 10, reference="bench opening stock")
        for role, name in ((Role.DISPATCHER, "dispatcher"), (Role.OPERATOR, "operator")):
            user, _ = create_user(db=db, name=f"bench-{name}", role=role)
            world.principals[name] = Principal(user.id, user.name, role, None)
        tokens = []
        for i in range(drivers):
            driver = Driver(name=f"Driver {i} Bench", warehouse_id=warehouse.id, vehicle="van",
                            capacity_weight_g=500_000, capacity_volume_ml=2_000_000, skills=[])
            db.add(driver)
            db.flush()
            world.drivers[f"d{i}"] = driver.id
            _, token = create_user(db=db, name=f"bench-driver-{i}", role=Role.DRIVER,
                                   driver_id=driver.id)
            tokens.append(token)
        uow.commit()
    rng = random.Random(7)
    started = time.perf_counter()
    for i in range(drivers):
        order_ids = []
        for _ in range(stops):
            where = (DEPOT[0] + rng.uniform(-0.02, 0.02), DEPOT[1] + rng.uniform(-0.02, 0.02))
            order_ids.append(ready_order(database, world, where=where,
                                         email=f"c{rng.randrange(10**9)}@bench.example",
                                         hours_ahead=0.0))  # open now: ETAs follow the driver
        publish_route(database, world, f"d{i}", order_ids)
        for order_id in order_ids:
            lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])
        fleet.drivers.append((tokens[i], [DEPOT[0], DEPOT[1]]))
        if i % 50 == 49:
            console.log(f"seeded {i + 1}/{drivers} routes ({time.perf_counter() - started:.0f} s)")
    with database.uow() as uow:
        orders = uow.db.query(Order.id, Order.tracking_token).order_by(Order.id).all()
    fleet.tracking_tokens = [token for _, token in orders]
    fleet.first_stop_tokens = [orders[i * stops][1] for i in range(drivers)]
    database.dispose()
    return fleet


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def record(self, ok: bool, elapsed: float, detail: str) -> None:
        if ok:
            self.latencies.append(elapsed)
        else:
            self.errors += 1
            if len(self.samples) < 3:
                self.samples.append(detail)


def _ping_body(position: list[float], at: datetime) -> bytes:
    return json.dumps({"lat": position[0], "lon": position[1],
                       "timestamp": at.isoformat()}).encode()


async def _timed(call: Awaitable[tuple[int, bytes]], stats: Stats,
                 expected: int) -> tuple[int, bytes]:
    started = time.perf_counter()
    try:
        status, content = await call
    except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError) as exc:
        stats.record(False, 0.0, f"{type(exc).__name__}: {exc}")
        return 0, b""
    stats.record(status == expected, time.perf_counter() - started,
                 f"{status} {content[:200]!r}")
    return status, content


async def ping_load(base_url: str, fleet: Fleet, clients: int, seconds: float) -> tuple[Stats, float]:
    """Each client pings its share of the drivers round-robin, as fast as answers come."""
    stats = Stats()
    drivers = fleet.drivers[:len(fleet.drivers) - fleet.reserved]
    shares = [drivers[i::clients] for i in range(clients)]

    async def client(share) -> None:
        http = RawHttp(base_url)
        try:
            while time.perf_counter() < until:
                for token, position in share:
                    position[0] += STEP_DEG
                    body = _ping_body(position, datetime.now(UTC))
                    headers = {"Authorization": f"Bearer {token}"}
                    await _timed(http.post("/drivers/me/location", body, headers), stats, 200)
                    if time.perf_counter() >= until:
                        break
        finally:
            await http.close()

    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(client(share) for share in shares if share))
    return stats, time.perf_counter() - started


async def lookup_load(base_url: str, fleet: Fleet, clients: int, seconds: float) -> Stats:
    stats = Stats()
    rng = random.Random(11)

    async def client() -> None:
        http = RawHttp(base_url)
        try:
            while time.perf_counter() < until:
                token = rng.choice(fleet.tracking_tokens)
                await _timed(http.get(f"/track/{token}", {}), stats, 200)
        finally:
            await http.close()

    until = time.perf_counter() + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    return stats


def _eta(content: bytes) -> str | None:
    eta = json.loads(content).get("eta") or {}
    return eta.get("eta")


async def ping_to_eta(base_url: str, fleet: Fleet) -> Stats:
    """On drivers kept out of the ping load: a ping at the depot 10 min ago, then one 3 km
    away now (a plausible drive); poll the first stop's link until its ETA moves."""
    stats = Stats()
    http = RawHttp(base_url)
    try:
        for index in range(len(fleet.drivers) - fleet.reserved, len(fleet.drivers)):
            token, _ = fleet.drivers[index]
            link = f"/track/{fleet.first_stop_tokens[index]}"
            headers = {"Authorization": f"Bearer {token}"}
            now = datetime.now(UTC)
            await http.post("/drivers/me/location",
                            _ping_body(list(DEPOT), now - timedelta(minutes=10)), headers)
            _, content = await http.get(link, {})
            before = _eta(content)
            far = [DEPOT[0] + 0.027, DEPOT[1]]  # ~3 km north
            sent = time.perf_counter()
            status, content = await http.post("/drivers/me/location", _ping_body(far, now),
                                              headers)
            if status != 200:
                stats.record(False, 0.0, f"ping {status} {content[:200]!r}")
                continue
            while True:
                _, content = await http.get(link, {})
                if _eta(content) != before:
                    stats.record(True, time.perf_counter() - sent, "")
                    break
                if time.perf_counter() - sent > 10:
                    stats.record(False, 0.0, f"ETA still {before} after 10 s")
                    break
    finally:
        await http.close()
    return stats


def bench_backend(args: argparse.Namespace, backend: str, logs: Path) -> tuple[list[str], bool]:
    workers = args.workers or (2 if backend == "postgresql" else 1)
    with fresh_database(backend, args.postgres_url) as url:
        console.log(f"{backend}: seeding {args.drivers} routes of {args.stops} stops")
        fleet = seed(url, drivers=args.drivers, stops=args.stops, reserved=args.samples)
        # Each driver pings far more often than a phone would (about every 5-10 s); the
        # per-driver limit is a policy knob, lifted here to measure ingest capacity.
        env = {"DISPATCH_PING_RATE_PER_MINUTE": "6000", "DISPATCH_PING_BURST": "1000",
               "DISPATCH_RELAY_ENABLED": "false"}
        with server(url, workers, pool_size=20, max_overflow=10, threads=None,
                    log_path=logs / f"uvicorn-{backend}.log", env=env) as (base_url, pid):
            asyncio.run(ping_load(base_url, fleet, args.clients, 2.0))  # warm-up
            cpu = [process_tree_cpu(pid)]
            pings, elapsed = asyncio.run(ping_load(base_url, fleet, args.clients, args.seconds))
            cpu.append(process_tree_cpu(pid))
            lookups = asyncio.run(lookup_load(base_url, fleet, args.lookup_clients or args.clients,
                                              args.seconds))
            cpu.append(process_tree_cpu(pid))
            delays = asyncio.run(ping_to_eta(base_url, fleet))
    ok = True
    for name, stats in (("pings", pings), ("lookups", lookups), ("ping->ETA", delays)):
        if stats.errors:
            ok = False
            console.log(f"[red]{backend} {name}: {stats.errors} errors[/], e.g. {stats.samples}")
    ms = 1000.0

    def cpu_per(done: int, start: float | None, end: float | None) -> str:
        # Server CPU per request: steadier than rates on a machine shared with the clients.
        return f"{(end - start) / done * ms:.1f}" if done and None not in (start, end) else "-"

    return [
        backend, str(workers), f"{args.clients}/{args.lookup_clients or args.clients}",
        f"{len(pings.latencies) / elapsed:.0f}", f"{percentile(pings.latencies, 99) * ms:.1f}",
        cpu_per(len(pings.latencies), cpu[0], cpu[1]),
        f"{percentile(lookups.latencies, 50) * ms:.1f}",
        f"{percentile(lookups.latencies, 99) * ms:.1f}",
        cpu_per(len(lookups.latencies), cpu[1], cpu[2]),
        f"{percentile(delays.latencies, 50) * ms:.0f}",
        f"{max(delays.latencies, default=float('nan')) * ms:.0f}",
        str(pings.errors + lookups.errors + delays.errors),
    ], ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--drivers", type=int, default=200)
    parser.add_argument("--stops", type=int, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--lookup-clients", type=int, default=None,
                        help="concurrent tracking-link clients (default: --clients)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None,
                        help="uvicorn workers (default: 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    table = Table(title=f"Live tracking on loopback ({os.cpu_count()} CPUs, {args.drivers} "
                        f"routes x {args.stops} stops, uvicorn {' '.join(uvicorn_options())})")
    for column in ("backend", "workers", "clients (pings/lookups)", "pings/s", "ping p99 ms",
                   "server CPU ms/ping", "ETA lookup p50 ms", "ETA lookup p99 ms",
                   "server CPU ms/lookup", "ping->ETA p50 ms",
                   "ping->ETA max ms", "errors"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-tracking-logs-") as logs:
        for backend in backends:
            row, ok = bench_backend(args, backend, Path(logs))
            table.add_row(*row)
            failed = failed or not ok
    console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
