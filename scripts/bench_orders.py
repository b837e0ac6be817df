#!/usr/bin/env python
"""Order placements per second, and latency, through a real uvicorn server.

For each backend this creates a fresh database (SQLite: a temporary file; PostgreSQL: a
new schema in the ``test`` database, dropped afterwards, or the database of
``--postgres-url``), migrates and seeds it (two warehouses, SKUs holding ``--units`` in
all, a dispatcher token), starts ``uvicorn api.app:app`` on a free loopback port, warms
up, and then runs ``--clients`` asyncio clients for ``--seconds``; each client sends
``POST /orders`` (1–3 lines, cash on delivery) one after the other. Client and server run
on the same machine, so the client's CPU counts against the server's.

    .venv/bin/python scripts/bench_orders.py --backend both
    .venv/bin/python scripts/bench_orders.py --backend postgresql --clients 32 --workers 2
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
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
from dispatch.auth.service import create_user
from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, Warehouse

WAREHOUSES = (("MC", "Monaco Port", 43.7384, 7.4246), ("NCE", "Nice Nord", 43.7102, 7.2620))
DELIVERY_POINT = (43.7396, 7.4276)
CUSTOMERS = 2000

console = Console()
if not console.is_terminal:  # a pipe or a file: wide enough for the table
    console.width = max(console.width, 120)


@dataclass
class Target:
    backend: str
    url: str
    workers: int
    token: str = ""
    skus: list[str] = field(default_factory=list)


def seed(url: str, *, skus: int, units: int) -> tuple[str, list[str]]:
    """Warehouses, ``skus`` SKUs holding ``units`` in all, a dispatcher; returns its token."""
    run = uuid.uuid4().hex[:6].upper()  # unique codes, so a reused database works too
    database = Database(make_engine(url))
    codes = [f"BENCH-{run}-{i:03d}" for i in range(skus)]
    per_level = max(1, units // (skus * len(WAREHOUSES)))
    with database.uow() as uow:
        db = uow.db
        warehouse_ids = []
        for code, name, lat, lon in WAREHOUSES:
            warehouse = Warehouse(code=f"{code}-{run}", name=name, lat=lat, lon=lon)
            db.add(warehouse)
            db.flush()
            warehouse_ids.append(warehouse.id)
        for i, code in enumerate(codes):
            sku = Sku(code=code, name=f"Bench item {i}", price_minor=100 + 7 * i, currency="EUR",
                      weight_g=500, volume_ml=1000, skills=[])
            db.add(sku)
            db.flush()
            for wid in warehouse_ids:
                ensure_level(db, wid, sku.id)
                move(db, warehouse_id=wid, sku_id=sku.id, kind=MovementKind.RECEIPT,
                     quantity=per_level, reference="bench opening stock")
        _, token = create_user(db=db, name=f"bench-dispatcher-{run}", role=Role.DISPATCHER)
        uow.commit()
    database.dispose()
    return token, codes


# --- The server --------------------------------------------------------------------------


# --- The load ----------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)


def order_body(rng: random.Random, skus: list[str]) -> dict:
    start = datetime.now(UTC) + timedelta(hours=2)
    lines = rng.sample(skus, rng.randint(1, 3))
    customer = rng.randrange(CUSTOMERS)
    # Each customer has a phone and a door of their own, within 500 m of the casino: fraud
    # screening reads the history of each, and one shared by all would grow without end.
    door = random.Random(customer)
    return {
        "customer": {"name": f"Customer {customer}", "email": f"c{customer}@bench.example",
                     "phone": f"+377 93 {customer // 100:02d} {customer % 100:02d} 00"},
        "address": {"text": f"{customer} Boulevard des Moulins, Monaco",
                    "lat": round(DELIVERY_POINT[0] + door.uniform(-0.0045, 0.0045), 6),
                    "lon": round(DELIVERY_POINT[1] + door.uniform(-0.006, 0.006), 6)},
        "lines": [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in lines],
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        "payment": {"method": "cash_on_delivery"},
    }


async def _client(post, target: Target, seed: int, until: float, stats: Stats | None,
                  idempotency: bool) -> None:
    """One client: POST /orders after POST /orders until ``until``."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {target.token}"}
    while time.perf_counter() < until:
        body = json.dumps(order_body(rng, target.skus)).encode()
        if idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            status, content = await post("/orders", body, headers)
            ok, detail = status == 201, f"{status} {content[:200]!r}"
        except (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError,
                httpx.HTTPError) as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        if stats is None:
            continue
        if ok:
            stats.latencies.append(elapsed)
        else:
            stats.errors += 1
            if len(stats.error_samples) < 3:
                stats.error_samples.append(detail)


async def run_load(base_url: str, target: Target, *, clients: int, seconds: float,
                   warmup: float, idempotency: bool, client: str = "raw",
                   on_start=lambda: None) -> tuple[Stats, float]:
    """Warm up, then run ``clients`` sequential clients for ``seconds``."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    raw = [RawHttp(base_url) for _ in range(clients)]
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:

        async def via_httpx(path: str, body: bytes, headers: dict[str, str]):
            response = await http.post(path, content=body,
                                       headers={**headers, "Content-Type": "application/json"})
            return response.status_code, response.content

        posts = [raw[i].post if client == "raw" else via_httpx for i in range(clients)]
        try:
            if warmup > 0:
                until = time.perf_counter() + warmup
                await asyncio.gather(*(_client(posts[i], target, 1000 + i, until, None,
                                               idempotency) for i in range(clients)))
            stats = Stats()
            on_start()
            started = time.perf_counter()
            until = started + seconds
            await asyncio.gather(*(_client(posts[i], target, i, until, stats, idempotency)
                                   for i in range(clients)))
            return stats, time.perf_counter() - started
        finally:
            for connection in raw:
                await connection.close()


def bench_backend(args: argparse.Namespace, backend: str, logs: Path) -> tuple[list[str], bool]:
    """One backend from a fresh database to a table row; False when any request failed."""
    workers = args.workers or (2 if backend == "postgresql" else 1)
    with fresh_database(backend, args.postgres_url) as url:
        token, skus = seed(url, skus=args.skus, units=args.units)
        target = Target(backend, url, workers, token, skus)
        log_path = logs / f"uvicorn-{backend}.log"
        console.log(f"{backend}: seeded {args.skus} SKUs; starting {workers} worker(s)")
        with server(url, workers, pool_size=args.pool_size, max_overflow=args.max_overflow,
                    threads=args.threads,
                    log_path=log_path) as (base_url, pid):
            cpu_at_start: list[float | None] = []
            stats, elapsed = asyncio.run(run_load(
                base_url, target, clients=args.clients, seconds=args.seconds,
                warmup=args.warmup, idempotency=args.idempotency_keys, client=args.client,
                on_start=lambda: cpu_at_start.append(process_tree_cpu(pid))))
            cpu_end = process_tree_cpu(pid)
    if stats.errors:
        console.log(f"[red]{backend}: {stats.errors} errors[/], e.g. {stats.error_samples}")
        console.log(log_path.read_text(errors="replace")[-3000:])
    done = len(stats.latencies)
    cpu = (f"{(cpu_end - cpu_at_start[0]) / done * 1000:.1f}"
           if done and cpu_end is not None and cpu_at_start[0] is not None else "-")
    return [
        backend, str(args.clients), str(workers), str(done + stats.errors), str(stats.errors),
        f"{done / elapsed:.0f}", f"{percentile(stats.latencies, 50) * 1000:.1f}",
        f"{percentile(stats.latencies, 99) * 1000:.1f}", cpu,
    ], not stats.errors


# --- Main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="uvicorn workers (default: 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--postgres-url", default=None,
                        help="benchmark this database (migrated and seeded, not dropped)")
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--units", type=int, default=1_000_000, help="stock across all SKUs")
    parser.add_argument("--pool-size", type=int, default=20,
                        help="connections kept per worker; below the requests a worker has in "
                             "flight, overflow connections are opened and closed all the time")
    parser.add_argument("--max-overflow", type=int, default=10, help="per worker")
    parser.add_argument("--threads", type=int, default=None,
                        help="DISPATCH_WORKER_THREADS per worker (default: the app's, 4)")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="load generator: a minimal keep-alive HTTP/1.1 client (cheap on "
                             "CPU, the default) or httpx")
    parser.add_argument("--idempotency-keys", action="store_true",
                        help="send a fresh Idempotency-Key with every order")
    args = parser.parse_args(argv)

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    table = Table(title=f"POST /orders on loopback ({os.cpu_count()} CPUs, "
                        f"{args.seconds:g} s per backend, {args.client} client, "
                        f"uvicorn {' '.join(uvicorn_options())})")
    for column in ("backend", "clients", "workers", "requests", "errors", "placements/s",
                   "p50 ms", "p99 ms", "server CPU ms/placement"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-orders-logs-") as logs:
        for backend in backends:
            row, ok = bench_backend(args, backend, Path(logs))
            table.add_row(*row)
            failed = failed or not ok
    console.print(table)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        console.print(f"load average now: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                      "(other work on the machine shares its CPUs with this benchmark)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
