"""Real uvicorn servers on real databases, for tests that need true concurrency.

``live_server`` is a factory, parametrised over SQLite (one worker: the embedded default)
and PostgreSQL (two worker processes, as deployed). Each call seeds the world with the
stock it is given, then starts ``python -m uvicorn api.app:app`` in a subprocess bound to
the same database, waits until ``/openapi.json`` answers and stops it at teardown.

The PostgreSQL test schema is selected through the URL alone
(``?options=-csearch_path%3D<schema>``, which psycopg passes to libpq), because the app
builds its engine from ``DISPATCH_DATABASE_URL`` only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from dispatch.db.database import Database
from tests.support.world import World, seed_world

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0


@dataclass
class LiveServer:
    backend: str
    base_url: str
    database: Database
    world: World
    workers: int
    log_path: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url_for_schema(url: str, schema: str) -> str:
    """``url`` with libpq ``options`` selecting ``schema`` as the search path."""
    return make_url(url).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    ).render_as_string(hide_password=False)


def start_uvicorn(database_url: str, *, workers: int, log_path: Path,
                  extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app on a free port; returns the process and its base URL once ready."""
    port = free_port()
    env = {
        **os.environ,
        "DISPATCH_DATABASE_URL": database_url,
        "DISPATCH_MIGRATE_ON_START": "false",
        "DISPATCH_ENVIRONMENT": "test",
        # Per worker; two PostgreSQL workers stay well inside max_connections=100.
        "DISPATCH_DATABASE_POOL_SIZE": "10",
        "DISPATCH_DATABASE_MAX_OVERFLOW": "10",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **(extra_env or {}),
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n"
                               + log_path.read_text(errors="replace")[-4000:])
        try:
            if httpx.get(base_url + "/openapi.json", timeout=2).status_code == 200:
                return process, base_url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_uvicorn(process)
            raise RuntimeError(f"uvicorn not ready after {STARTUP_TIMEOUT_S}s:\n"
                               + log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.1)


def stop_uvicorn(process: subprocess.Popen) -> None:
    """SIGTERM the server (uvicorn stops its workers), SIGKILL its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:  # the session we created for it: stray workers, if any
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(timeout=5)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_failed = report.failed
    return report


@pytest.fixture(params=["sqlite", "postgresql"])
def live_server(request, tmp_path) -> Iterator[Callable[..., LiveServer]]:
    """``live_server(stock={...})``: seed the world, start uvicorn on it, return it."""
    backend = request.param
    started: list[tuple[subprocess.Popen | None, Database, Path | None]] = []

    def start(*, stock: dict[tuple[str, str], int], workers: int | None = None) -> LiveServer:
        if backend == "sqlite":
            database = request.getfixturevalue("sqlite_template").fresh(tmp_path)
            url = database.engine.url.render_as_string(hide_password=False)
            workers = workers or 1
        else:
            schema = request.getfixturevalue("postgres_schema")
            database = schema.fresh()
            url = postgres_url_for_schema(schema.url, schema.schema)
            workers = workers or 2
        started.append((None, database, None))  # dispose it even if seeding fails
        world = seed_world(database, stock=stock)
        log_path = tmp_path / f"uvicorn-{len(started)}.log"
        process, base_url = start_uvicorn(url, workers=workers, log_path=log_path)
        started[-1] = (process, database, log_path)
        return LiveServer(backend, base_url, database, world, workers, log_path)

    yield start
    for process, database, log_path in reversed(started):
        if process is not None:
            stop_uvicorn(process)
        database.dispose()
        if log_path is not None and getattr(request.node, "rep_call_failed", True):
            # Shown with the failure: what the server logged (tracebacks of any 5xx).
            sys.stderr.write(f"--- {log_path.name} ---\n"
                             + log_path.read_text(errors="replace")[-8000:])
