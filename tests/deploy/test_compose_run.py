"""The compose services' own commands and environments, run here without Docker on the
local PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.deploy.compose_model import (
    REPO,
    compose,
    container_env,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _argv(command: list[str]) -> list[str]:
    """The image's entry points, from this virtualenv."""
    program, *args = command
    if program == "dispatch":
        return [sys.executable, "-m", "dispatch", *args]
    if program in ("uvicorn", "python"):
        return [sys.executable, *(["-m", "uvicorn"] if program == "uvicorn" else []), *args]
    raise AssertionError(f"unexpected program {program!r}")


class Processes:
    """The services started by the smoke test, each in a session of its own."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: dict[str, subprocess.Popen] = {}

    def env(self, overrides: Mapping[str, str], service_env: Mapping[str, str]) -> dict:
        base = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
        return {**base, **service_env, **overrides,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                            os.environ.get("PYTHONPATH")]))}

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        with (self.tmp_path / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(argv, cwd=self.tmp_path, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.started[name] = process
        return process

    def alive(self) -> None:
        for name, process in self.started.items():
            assert process.poll() is None, f"{name} exited {process.returncode}:\n{self.log(name)}"

    def stop_all(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.started.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if process.poll() is None:
                process.wait(timeout=5)


def _wait(what: str, check, seconds: float, processes: Processes):
    deadline = time.monotonic() + seconds
    while True:
        processes.alive()
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"no {what} after {seconds:g} s:\n" + "\n".join(
            f"--- {name} ---\n{processes.log(name)}" for name in processes.started)
        time.sleep(0.3)


@pytest.fixture
def local_services():
    """An empty schema on the local PostgreSQL and a spare Redis database, or a skip."""
    import redis
    from sqlalchemy import create_engine, text

    from tests.concurrency.conftest import postgres_url_for_schema
    from tests.support.databases import POSTGRES_URL, postgres_unavailable_reason
    from tests.workers.conftest import QUEUE_KEYS, REDIS_URL, redis_unavailable_reason

    reason = postgres_unavailable_reason() or redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"deploy_smoke_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    broker = urlsplit(REDIS_URL)._replace(path="/13").geturl()  # not the workers tests' db
    client = redis.Redis.from_url(broker)
    client.delete(*QUEUE_KEYS)
    try:
        yield postgres_url_for_schema(POSTGRES_URL, schema), broker
    finally:
        client.delete(*QUEUE_KEYS)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_the_compose_services_run_here_without_docker(local_services, tmp_path):
    """migrate, api, worker and relay with compose's commands and environments; only the
    hosts differ (the local servers instead of the `postgres` and `redis` containers)."""
    from sqlalchemy import func, select

    from dispatch.db.database import Database
    from dispatch.db.engine import make_engine
    from dispatch.events.models import OutboxEvent
    from dispatch.planning.models import Plan
    from tests.planning.plans_support import on_shift
    from tests.support.routes import ready_order
    from tests.support.world import CASINO, MONACO, seed_world
    from tests.tracking.test_eta import FONTVIEILLE, LARVOTTO

    database_url, broker_url = local_services
    resolved = compose()
    services = resolved["services"]
    log_path = tmp_path / "notifications.log"
    overrides = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_BROKER_URL": broker_url,
                 "DISPATCH_NOTIFICATION_LOG_PATH": str(log_path)}
    processes = Processes(tmp_path)

    def env(name: str) -> dict:
        return processes.env(overrides, container_env(name, resolved))

    # 1. migrate: one-shot, on an empty schema.
    done = subprocess.run(_argv(services["migrate"]["command"]), cwd=tmp_path,
                          env=env("migrate"), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "database at revision" in done.stdout

    database = Database(make_engine(database_url))
    try:
        world = seed_world(database)
        on_shift(database, world, "ana")
        for i, where in enumerate((CASINO, LARVOTTO, FONTVIEILLE, MONACO)):
            ready_order(database, world, where=where, email=f"deploy{i}@example.com")
        try:
            # 2. the long-running services, as compose starts them.
            port = _free_port()
            api_command = list(services["api"]["command"])
            api_command[api_command.index("--port") + 1] = str(port)
            api_command[api_command.index("--host") + 1] = "127.0.0.1"
            processes.start("api", _argv(api_command), env("api"))
            processes.start("worker", _argv(services["worker"]["command"]), env("worker"))
            processes.start("relay", _argv(services["relay"]["command"]), env("relay"))

            # 3. the api's own healthcheck command passes.
            check = [part.replace(":8000/", f":{port}/")
                     for part in services["api"]["healthcheck"]["test"][1:]]
            _wait("healthy api", lambda: subprocess.run(
                _argv(check), capture_output=True, timeout=10).returncode == 0, 90, processes)

            # 4. a plan asked of the api is solved by the worker, through the broker.
            base = f"http://127.0.0.1:{port}"
            r = httpx.post(f"{base}/plans", headers=world.auth("dispatcher"), timeout=30,
                           json={"warehouse_ids": [world.warehouses["MC"]],
                                 "time_limit_seconds": 2})
            assert r.status_code == 202, r.text
            plan_id = r.json()["id"]

            def finished():
                plan = httpx.get(f"{base}/plans/{plan_id}", headers=world.auth("dispatcher"),
                                 timeout=10).json()
                return plan if plan["status"] in ("done", "failed") else None

            plan = _wait("finished plan", finished, 120, processes)
            assert plan["status"] == "done", plan.get("error")
            with database.read_uow() as uow:  # a job kept for, and claimed by, a worker
                job, attempts = uow.db.execute(select(Plan.job, Plan.attempts).where(
                    Plan.id == plan_id)).one()
            assert job is not None and attempts == 1

            # 5. the relay (its own process) takes every event out of the outbox.
            def relayed():
                with database.read_uow() as uow:
                    return uow.db.scalar(select(func.count()).select_from(OutboxEvent).where(
                        OutboxEvent.relayed_at.is_(None))) == 0

            with database.read_uow() as uow:
                assert uow.db.scalar(select(func.count()).select_from(OutboxEvent)) > 0
            _wait("relayed outbox", relayed, 60, processes)
            processes.alive()
        finally:
            processes.stop_all()
    finally:
        database.dispose()
