"""Shared parts of the loopback benchmarks: fresh databases, a uvicorn server, a lean client.

Used by ``bench_orders.py`` and ``bench_tracking.py``; not part of the package.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
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
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from dispatch.db.database import Database  # noqa: E402
from dispatch.db.engine import make_engine  # noqa: E402

DEFAULT_POSTGRES = os.environ.get(
    "DISPATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _with_search_path(url: str, schema: str) -> str:
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, postgres_url: str | None) -> Iterator[str]:
    """A migrated, empty database URL, removed afterwards (a given URL is kept)."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="bench-db-"))
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
    schema = f"bench_{uuid.uuid4().hex[:10]}"
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
           log_path: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {
        **os.environ,
        **(env or {}),
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
        return await self.request("POST", path, body, headers)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("GET", path, None, headers)

    async def request(self, method: str, path: str, body: bytes | None,
                      headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._request(method, path, body, headers)
        except BaseException:
            await self.close()
            raise

    async def _request(self, method: str, path: str, body: bytes | None,
                       headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}\r\n"
            .encode("latin-1") + (body or b""))
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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
