"""deploy/: the compose file, its environment and its reference, checked against the code.

There is no Docker daemon where this suite runs, so nothing here builds the image or runs
``docker compose``. What is checked instead:

* every ``DISPATCH_*`` name in deploy/ is a field of ``Settings``, and every value compose
  gives one is accepted by ``Settings``;
* the environment reference (deploy/README.md) and .env.example are what
  deploy/gen_env_docs.py makes of the current ``Settings`` (so they cannot go stale);
* the commands compose runs are real: ``dispatch ...`` sub-commands and their options parse,
  and the uvicorn command line parses and names the real app and health route;
* the dispatch services share one database and one broker, which are the compose services
  ``postgres`` and ``redis``, with the credentials postgres is started with;
* the layout rules the README promises (migrate once, one relay, no start-up recovery,
  enough connections, a stop grace above the longest search);
* and, with the local PostgreSQL and Redis, the compose services' commands and
  environments themselves: migrate an empty schema, start the API, the worker and the
  relay exactly as compose would (hosts swapped for local ones), pass the API's
  healthcheck command, and get a plan solved by the worker and the outbox relayed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import httpx
import pytest
import typer
import yaml
from typer.testing import CliRunner

from dispatch.cli.app import app as cli_app
from dispatch.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
README = DEPLOY / "README.md"
APP_SERVICES = ("migrate", "api", "worker", "relay")
SETTING_NAMES = {f"DISPATCH_{name.upper()}" for name in Settings.model_fields}
# Read by the test suite only (DEVELOPERS.md), never by the service; the README may name
# them when it says what is tested here.
TEST_ONLY_NAMES = {"DISPATCH_TEST_POSTGRES_URL", "DISPATCH_TEST_REDIS_URL",
                   "DISPATCH_STRICT_SKIPS"}
NAME = re.compile(r"\bDISPATCH_[A-Z0-9_]+\b")


# --- Reading compose.yaml the way docker compose would ----------------------------------

_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)"
                       r"(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_]\w*))")


class Unset(KeyError):
    """compose would substitute an empty string (a warning) or stop (``:?``)."""


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """compose's ``$NAME``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}``, ``$$``
    in every string of ``value``; an unset variable without a default is an error here."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        usable = name in env and (env[name] != "" or not op.startswith(":"))
        if usable:
            return env[name]
        if op.endswith("-"):
            return arg
        raise Unset(f"${{{name}}} is not set ({arg or 'no default'})")

    return _VARIABLE.sub(substitute, value)


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed YAML document (keys and values; comments are gone)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def dotenv(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """``NAME=value`` lines (comments and blank lines skipped), as compose reads .env."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def compose() -> dict:
    """compose.yaml with merge keys resolved and .env.example's values filled in."""
    return interpolate(raw_compose(), dotenv())


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def container_env(name: str, resolved: dict | None = None) -> dict[str, str]:
    """What a dispatch container gets: .env (env_file) under the service's environment."""
    service = (resolved or compose())["services"][name]
    env = dotenv() if service.get("env_file") else {}
    return {**env, **environment_of(service)}


@contextmanager
def only_environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` holding ``env`` instead of the test run's DISPATCH_* variables."""
    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("DISPATCH_")]:
            del os.environ[key]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def settings_of(name: str, resolved: dict | None = None) -> Settings:
    """The settings the service's process would read (a ValidationError if invalid)."""
    with only_environment(container_env(name, resolved)):
        return Settings()


def seconds(duration: str) -> float:
    """A compose duration (``1m30s``, ``90s``, ``2m``) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def gen_env_docs():
    spec = importlib.util.spec_from_file_location("gen_env_docs", DEPLOY / "gen_env_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- Commands -----------------------------------------------------------------------------


def dispatch_command(args: list[str]) -> tuple[list[str], Any]:
    """Resolve ``dispatch <args>`` against the real CLI: the sub-command path and the
    parsed context (options converted and range-checked, nothing run)."""
    command = typer.main.get_command(cli_app)  # typer's own (vendored) click classes
    path, rest = [], list(args)
    while hasattr(command, "list_commands"):  # a group
        assert rest, f"`dispatch {' '.join(path)}` needs a sub-command"
        name = rest.pop(0)
        ctx = command.context_class(command)
        sub = command.get_command(ctx, name)
        assert sub is not None, (f"`dispatch {' '.join([*path, name])}` is not a command "
                                 f"(there are: {', '.join(command.list_commands(ctx))})")
        command, path = sub, [*path, name]
    return path, command.make_context(f"dispatch {' '.join(path)}", rest)


def uvicorn_command(args: list[str]) -> click.Context:
    # ``uvicorn.main`` the attribute is the function; the module holds the click command.
    command = importlib.import_module("uvicorn.main").main
    return command.make_context("uvicorn", list(args))


def healthcheck_url(service: dict) -> str:
    test = service["healthcheck"]["test"]
    text = test if isinstance(test, str) else " ".join(test)
    found = re.findall(r"https?://[^\s'\"]+", text)
    assert len(found) == 1, f"one URL expected in the healthcheck: {text}"
    return found[0]


# --- Names --------------------------------------------------------------------------------


def test_deploy_files_name_only_real_settings():
    unknown = {}
    for path in (COMPOSE, ENV_EXAMPLE, DEPLOY / "Dockerfile", DEPLOY / "Caddyfile", README):
        names = set(NAME.findall(path.read_text(encoding="utf-8"))) - TEST_ONLY_NAMES
        if names - SETTING_NAMES:
            unknown[path.name] = sorted(names - SETTING_NAMES)
    assert unknown == {}, "not fields of dispatch.settings.Settings"


def test_compose_only_variables_do_not_look_like_settings():
    """A DISPATCH_ prefix means a setting: compose's own knobs (API_REPLICAS, ...) must not
    borrow it, or the names check above would have nothing to hold on to."""
    referenced = {m.group("braced") or m.group("bare")
                  for text in strings(raw_compose()) for m in _VARIABLE.finditer(text)
                  if not m.group("escaped")}
    assert {n for n in referenced if n.startswith("DISPATCH_")} <= SETTING_NAMES
    assert referenced <= set(dotenv()), "every ${NAME} in compose.yaml is in .env.example"


def test_env_example_fills_in_every_variable_compose_needs():
    raw = raw_compose()
    resolved = interpolate(raw, dotenv())  # Unset if .env.example misses a required one
    assert "${" not in yaml.safe_dump(resolved)
    with pytest.raises(Unset, match="POSTGRES_PASSWORD"):  # required, not defaulted
        interpolate(raw, {k: v for k, v in dotenv().items() if k != "POSTGRES_PASSWORD"})


def test_every_service_environment_is_valid_settings():
    resolved = compose()
    for name in APP_SERVICES:
        settings = settings_of(name, resolved)  # pydantic validates every value
        assert settings.environment == "production", name
        assert not settings.is_sqlite, f"{name} would use SQLite"


# --- The reference ------------------------------------------------------------------------


def readme_table_names() -> list[str]:
    gen = gen_env_docs()
    block = gen.current_block(README.read_text(encoding="utf-8"), gen.README_MARKERS)
    return [row.split("|")[1].strip().strip("`") for row in block.splitlines()[2:]]


def test_every_setting_has_a_row_in_the_readme_environment_table():
    names = readme_table_names()
    assert sorted(SETTING_NAMES - set(names)) == [], "missing from deploy/README.md"
    assert sorted(set(names) - SETTING_NAMES) == [], "rows for settings that do not exist"
    assert len(names) == len(set(names))


def test_readme_table_and_env_example_are_generated_from_the_current_settings():
    gen = gen_env_docs()
    environment = gen.compose_environment(raw_compose())
    readme, example = README.read_text(encoding="utf-8"), ENV_EXAMPLE.read_text(encoding="utf-8")
    stale = "stale: run .venv/bin/python deploy/gen_env_docs.py"
    assert gen.current_block(readme, gen.README_MARKERS) == gen.readme_table(environment), stale
    assert gen.current_block(example, gen.ENV_MARKERS) == gen.env_example_block(
        environment, gen.mentioned_before_block(example)), stale


def test_env_example_lists_every_setting_compose_leaves_to_the_operator():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    set_by_compose = {name for env in map(environment_of, raw_compose()["services"].values())
                      for name in env}
    assert sorted(SETTING_NAMES - set_by_compose - set(NAME.findall(text))) == []


# --- Commands -----------------------------------------------------------------------------


def test_dispatch_commands_in_compose_are_real_cli_commands():
    resolved = compose()
    seen = {}
    for name, service in resolved["services"].items():
        command = service.get("command")
        if not command or command[0] != "dispatch":
            continue
        path, ctx = dispatch_command(command[1:])
        seen[name] = path
        help_text = CliRunner().invoke(cli_app, [*path, "--help"])
        assert help_text.exit_code == 0, help_text.output
        if path == ["worker"]:
            assert ctx.params["concurrency"] >= 1
    assert seen == {"migrate": ["db", "upgrade"], "worker": ["worker"], "relay": ["relay"]}


def test_the_api_command_serves_the_real_app_and_checks_a_real_route():
    from fastapi import FastAPI
    from uvicorn.importer import import_from_string

    api = compose()["services"]["api"]
    assert api["command"][0] == "uvicorn"
    ctx = uvicorn_command(api["command"][1:])  # every option parses
    app = import_from_string(ctx.params["app"])
    assert isinstance(app, FastAPI)
    assert ctx.params["workers"] >= 1 and ctx.params["host"] == "0.0.0.0"
    url = urlsplit(healthcheck_url(api))
    assert url.port == ctx.params["port"], "the healthcheck asks another port"
    paths = app.openapi()["paths"]  # routers are included lazily: ask the schema
    assert "get" in paths.get(url.path, {}), f"GET {url.path} is not a route of {ctx.params['app']}"
    assert str(ctx.params["port"]) in api["expose"]
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(rf"name api\s+port {ctx.params['port']}\b", caddy), \
        "the proxy does not point at the api service's port"


def test_the_image_runs_what_compose_asks_of_it():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.12-slim\b", dockerfile, re.M)
    assert re.search(r"pip install \.$", dockerfile, re.M)
    assert re.search(r"^USER (?!root\b)\w+", dockerfile, re.M), "runs as root"
    copied = re.findall(r"^COPY (?!--from)(.+?) \S+$", dockerfile, re.M)
    for sources in copied:  # what the build copies exists in the repository
        for source in sources.split():
            assert (REPO / source).exists(), source


# --- One database, one broker ---------------------------------------------------------


def test_every_dispatch_process_uses_the_same_database_and_broker():
    resolved = compose()
    services = resolved["services"]
    settings = {name: settings_of(name, resolved) for name in APP_SERVICES}
    databases = {name: s.database_url for name, s in settings.items()}
    assert len(set(databases.values())) == 1, databases
    brokers = {name: settings[name].broker_url for name in ("api", "worker")}
    assert len(set(brokers.values())) == 1 and brokers["api"], brokers

    database = urlsplit(databases["api"])
    assert database.hostname in services, f"{database.hostname} is no compose service"
    postgres = environment_of(services[database.hostname])
    assert (database.username, database.password, database.path.lstrip("/")) == (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    assert services[database.hostname]["image"].split(":")[1].split(".")[0] in ("15", "16")

    broker = urlsplit(brokers["api"])
    assert broker.scheme == "redis" and broker.hostname in services
    assert services[broker.hostname]["image"].split(":")[1].split(".")[0] == "7"


# --- The layout's rules -----------------------------------------------------------------


def replicas(service: dict) -> int:
    return int((service.get("deploy") or {}).get("replicas", 1))


def test_migrations_run_once_before_anything_uses_the_database():
    resolved = compose()
    services = resolved["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker", "relay"):
        assert settings_of(name, resolved).migrate_on_start is False, name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}, name


def test_background_loops_run_where_the_readme_says():
    resolved = compose()
    services = resolved["services"]
    api = settings_of("api", resolved)
    # The outbox relay: one process of its own, not in every API process.
    assert api.relay_enabled is False
    assert replicas(services["relay"]) == 1
    # Start-up recovery would fail another live process's plans (issue 7).
    assert api.plan_recovery_on_start is False or api.broker_url
    # The wave scheduler runs in every API process; only PostgreSQL's advisory lock
    # keeps two of them from starting the same wave (planning/waves.py, _locked).
    processes = replicas(services["api"]) * int(option(services["api"]["command"], "--workers"))
    if api.wave_scheduler_enabled and processes > 1:
        assert api.database_url.startswith("postgresql"), "several schedulers need PostgreSQL"


def test_a_stopping_worker_has_time_to_finish_the_longest_search():
    resolved = compose()
    worker = settings_of("worker", resolved)
    grace = seconds(resolved["services"]["worker"]["stop_grace_period"])
    assert grace > worker.plan_time_limit_max
    assert worker.broker_visibility_timeout_seconds > worker.plan_time_limit_max
    # The API caps the searches it queues; the worker's settings must agree with it.
    assert settings_of("api", resolved).plan_time_limit_max == worker.plan_time_limit_max


def test_the_database_accepts_every_connection_the_processes_may_open():
    """The budget in deploy/README.md, at .env.example's sizes: pool plus overflow per
    process, times processes, within PostgreSQL's max_connections (3 kept for admins)."""
    resolved = compose()
    services = resolved["services"]
    api_command, worker_command = services["api"]["command"], services["worker"]["command"]
    processes = {
        "api": replicas(services["api"]) * int(option(api_command, "--workers")),
        "worker": replicas(services["worker"]) * int(option(worker_command, "--concurrency")),
        "relay": replicas(services["relay"]),
    }
    total = sum(count * (s.database_pool_size + s.database_max_overflow)
                for name, count in processes.items()
                for s in [settings_of(name, resolved)])
    max_connections = int(re.search(r"max_connections=(\d+)",
                                     " ".join(services["postgres"]["command"])).group(1))
    assert total + 1 <= max_connections - 3, (processes, total, max_connections)


# --- The compose services, run here without Docker ------------------------------------


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
