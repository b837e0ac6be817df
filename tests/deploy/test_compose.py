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

import re
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from dispatch.cli.app import app as cli_app
from tests.deploy.compose_model import (
    _VARIABLE,
    APP_SERVICES,
    COMPOSE,
    DEPLOY,
    ENV_EXAMPLE,
    NAME,
    README,
    REPO,
    SETTING_NAMES,
    TEST_ONLY_NAMES,
    Unset,
    compose,
    dispatch_command,
    dotenv,
    environment_of,
    gen_env_docs,
    healthcheck_url,
    interpolate,
    option,
    raw_compose,
    seconds,
    settings_of,
    strings,
    uvicorn_command,
)


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


