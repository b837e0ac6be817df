"""Read a scenario file; any mistake in it is one :class:`ScenarioError` line naming the
file and the field, e.g. ``grocery-sameday.yaml: fleet[1].shifts[0]: end 09:00 is before
start 10:00``, so a typo never surfaces as a traceback or a silently ignored key."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from dispatch.scenarios.base import CODE_PATTERN, FieldProblem
from dispatch.scenarios.fieldnames import suggestion
from dispatch.scenarios.reader import read_yaml
from dispatch.scenarios.schema import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be used, as one line: ``file: field.path: what is wrong``."""


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate the scenario at ``path`` (YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path.name}: not UTF-8 text") from None
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path.name}: {_yaml_message(exc)}") from None
    return scenario_from_dict(data, source=path.name)


def scenario_from_dict(data: Any, *, source: str = "scenario") -> Scenario:
    """Validate an already parsed document (a notebook's dict); errors as in a file."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: expected a mapping of sections at the top level, "
                            f"got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = _worth_showing(exc.errors())
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ScenarioError(f"{source}: {describe(errors[0])}{more}") from None


def _worth_showing(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Unknown keys first (a misspelt key also makes its right spelling "missing"), and
    without the "too short" echo a list gives when one of its items failed."""
    def echoes(error: ErrorDetails) -> bool:
        loc = error["loc"]
        return error["type"] == "too_short" and any(
            other["loc"][:len(loc)] == loc and len(other["loc"]) > len(loc) for other in errors)

    def misspelt(error: ErrorDetails) -> bool:
        if error["type"] != "missing" or not error["loc"]:
            return False
        *parent, key = error["loc"]
        unknown = [str(e["loc"][-1]) for e in errors
                   if e["type"] == "extra_forbidden" and list(e["loc"][:-1]) == parent]
        return bool(difflib.get_close_matches(str(key), unknown, n=1, cutoff=0.6))

    kept = [e for e in errors if not echoes(e) and not misspelt(e)] or errors
    return sorted(kept, key=lambda e: e["type"] != "extra_forbidden")


def describe(error: ErrorDetails) -> str:
    """``field.path: message`` for one pydantic error, on one line."""
    loc = [part for part in error["loc"] if part != "[key]"]
    if error["type"] == "missing" and loc and isinstance(loc[-1], int):
        # Only [start, end] pairs are fixed-length lists; pydantic calls the gap "missing".
        return f"{_path(loc[:-1])}: expected [start, end], item {loc[-1]} is missing"
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, FieldProblem):
        path = _join(_path(loc), cause.path)
        message = cause.message
    else:
        path = _path(loc)
        message = _message(error)
    return " ".join(f"{path or 'scenario'}: {message}".split())


def _path(loc: list[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(base: str, relative: str) -> str:
    if not relative:
        return base
    if not base:
        return relative
    return base + relative if relative.startswith("[") else f"{base}.{relative}"


_BOUNDS = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", ">="),
           "less_than": ("lt", "<"), "less_than_equal": ("le", "<=")}


def _message(error: ErrorDetails) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, _shown(error.get("input"))
    if kind == "missing":
        return "missing field"
    if kind == "extra_forbidden":
        return "unknown field" + suggestion(error["loc"])
    if kind in _BOUNDS:
        key, sign = _BOUNDS[kind]
        return f"must be {sign} {ctx[key]:g}, got {given}"
    if kind in ("literal_error", "enum"):
        return f"expected {ctx['expected']}, got {given}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        items = "item" if bound == 1 else "items"
        return f"expected {'at least' if kind == 'too_short' else 'at most'} {bound} {items}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {given}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {given}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == CODE_PATTERN:
        return f"{given} is not a valid code (letters, digits, '.', '_' or '-')"
    if kind == "string_pattern_mismatch":
        return f"{given} does not match {ctx.get('pattern')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    text = error["msg"]
    return f"{text[:1].lower()}{text[1:]}, got {given}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return " ".join(f"not valid YAML: {where}{problem}".split())
