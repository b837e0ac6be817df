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
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from dispatch.auth.roles import Role  # noqa: E402
from dispatch.auth.service import create_user  # noqa: E402
from dispatch.db.database import Database  # noqa: E402
from dispatch.db.engine import make_engine  # noqa: E402
from dispatch.stock.domain import MovementKind  # noqa: E402
from dispatch.stock.ledger import ensure_level, move  # noqa: E402
from dispatch.stock.models import Sku, Warehouse  # noqa: E402

DEFAULT_POSTGRES = os.environ.get(
    "DISPATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WAREHOUSES = (("MC", "Monaco Port", 43.7384, 7.4246), ("NCE", "Nice Nord", 43.7102, 7.2620))
DELIVERY_POINT = (43.7396, 7.4276)
CUSTOMERS = 2000

console = Console()
if not console.is_terminal:  # a pipe or a file: wide enough for the table
    console.width = max(console.width, 120)


# --- Databases ---------------------------------------------------------------------------


@dataclass
class Target:
    backend: str
    url: str
    workers: int
    token: str = ""
    skus: list[str] = field(default_factory=list)


def _with_search_path(url: str, schema: str) -> str:
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, postgres_url: str | None) -> Iterator[str]:
    """A migrated, empty database URL, removed afterwards (a given URL is kept)."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="bench-orders-"))
        url = f"sqlite:///{directory / 'dispatch.db'}"
        try:
            Database(make_engine(url)).migrate()
            yield url
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if postgres_url:
        database = Database(make_engine(postgres_url))
        database.migrate()
        database.dispose()
        yield postgres_url
        return
    schema = f"bench_orders_{uuid.uuid4().hex[:10]}"
    admin = create_engine(DEFAULT_POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = _with_search_path(DEFAULT_POSTGRES, schema)
        database = Database(make_engine(url))
        database.migrate()
        database.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uvicorn_options() -> list[str]:
    """The fastest event loop and HTTP parser that are installed, no access log."""
    options = ["--no-access-log"]
    if importlib.util.find_spec("uvloop"):
        options += ["--loop", "uvloop"]
    if importlib.util.find_spec("httptools"):
        options += ["--http", "httptools"]
    return options


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its children; None off Linux."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    except OSError:
        return None
    if pid not in stats:
        return None
    tree, total = {pid}, 0.0
    for child, (parent, _) in stats.items():
        if parent == pid:
            tree.add(child)
    for member in tree:
        total += stats[member][1]
    return total


@contextmanager
def server(url: str, workers: int, *, pool_size: int, max_overflow: int, threads: int | None,
           log_path: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {
        **os.environ,
        "DISPATCH_DATABASE_URL": url,
        "DISPATCH_MIGRATE_ON_START": "false",
        "DISPATCH_ENVIRONMENT": "production",
        "DISPATCH_DATABASE_POOL_SIZE": str(pool_size),
        "DISPATCH_DATABASE_MAX_OVERFLOW": str(max_overflow),
        **({"DISPATCH_WORKER_THREADS": str(threads)} if threads is not None else {}),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH")])),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers), *uvicorn_options()],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("uvicorn exited:\n" + log_path.read_text()[-3000:])
            try:
                if httpx.get(base_url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn not ready after 60 s:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
        yield base_url, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


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
    return {
        "customer": {"name": f"Customer {customer}", "email": f"c{customer}@bench.example",
                     "phone": "+377 93 15 00 00"},
        "address": {"text": "Place du Casino, Monaco", "lat": DELIVERY_POINT[0],
                    "lon": DELIVERY_POINT[1]},
        "lines": [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in lines],
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        "payment": {"method": "cash_on_delivery"},
    }


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client on one connection.

    httpx spends about 2 ms of CPU per request; on a 2-core machine that is CPU the server
    under test does not get. This speaks just enough HTTP for the benchmark (Content-Length
    or chunked bodies, reconnect on ``Connection: close``); ``--client httpx`` cross-checks.
    """

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        url = httpx.URL(base_url)
        self.host, self.port, self.timeout = url.host, url.port or 80, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._post(path, body, headers)
        except BaseException:
            await self.close()
            raise

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{head}\r\n"
            .encode("latin-1") + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readuntil(b"\r\n")  # no trailers are sent
            content = b"".join(parts)
        else:
            content = b""
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


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
