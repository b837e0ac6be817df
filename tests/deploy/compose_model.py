"""deploy/compose.yaml read the way docker compose reads it, and the deploy files' names,
for the deploy tests."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import typer
import yaml

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


