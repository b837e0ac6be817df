"""Read a problem from a JSON/YAML document, with errors that name the offending field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from dispatch.routing.locations import Location, parse_location
from dispatch.routing.problem import Depot, Locks, Problem
from dispatch.routing.stops import Pair, Stop
from dispatch.routing.vehicles import Break, Vehicle
from dispatch.routing.windows import TimeWindow

T = TypeVar("T")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(value: Any, field: str) -> float:
    """Seconds from a number or an ``HH:MM[:SS]`` clock time (seconds since midnight)."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: expected seconds or HH:MM, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match:
            h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
            if h <= 48 and m < 60 and s < 60:
                return float(h * 3600 + m * 60 + s)
    raise ValueError(f"{field}: expected seconds or HH:MM, got {value!r}")


def _window(value: Any, field: str) -> TimeWindow:
    if isinstance(value, Mapping):
        value = [value.get("start"), value.get("end")]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{field}: expected [start, end], got {value!r}")
    try:
        return TimeWindow(parse_time(value[0], field), parse_time(value[1], field))
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def _each(items: Any, field: str, build: Callable[[Mapping[str, Any], str], T]) -> list[T]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{field}: expected a list")
    result = []
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: expected a mapping")
        try:
            result.append(build(item, where))
        except ValueError as exc:
            message = str(exc)
            raise ValueError(
                message if message.startswith(where) else f"{where}: {message}") from None
        except KeyError as exc:
            raise ValueError(f"{where}.{exc.args[0]}: missing field") from None
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return result


def _known(item: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(item) - allowed
    if unknown:
        raise ValueError(f"{where}.{sorted(unknown)[0]}: unknown field")


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """Build and validate a :class:`Problem`; see ``scenarios/problems/*.yaml`` for the layout."""
    if not isinstance(data, Mapping):
        raise ValueError("problem: expected a mapping at the top level")
    _known(data, {"name", "description", "depots", "vehicles", "stops", "pairs", "locks",
                  "skills", "matrix"}, "problem")
    depots = _each(data.get("depots"), "depots", lambda d, w: Depot(
        str(d["id"]), parse_location(d.get("location"), f"{w}.location")))
    depot_at = {d.id: d.location for d in depots}

    def place(value: Any, where: str) -> Location:
        if isinstance(value, str):
            if value not in depot_at:
                raise ValueError(f"{where}: unknown depot {value!r}")
            return depot_at[value]
        return parse_location(value, where)

    def vehicle(v: Mapping[str, Any], w: str) -> Vehicle:
        _known(v, {"id", "start", "end", "shift", "capacity", "skills", "fixed_cost",
                   "cost_per_km", "cost_per_hour", "speed_factor", "max_stops", "max_distance",
                   "max_duration", "breaks", "available_from"}, w)
        breaks = _each(v.get("breaks"), f"{w}.breaks", lambda b, bw: Break(
            _window(b.get("window"), f"{bw}.window"), float(b.get("duration", 0))))
        options = {k: v[k] for k in ("capacity", "fixed_cost", "cost_per_km", "cost_per_hour",
                                     "speed_factor", "max_stops", "max_distance",
                                     "max_duration") if k in v}
        return Vehicle(
            id=str(v["id"]), start=place(v.get("start"), f"{w}.start"),
            end=place(v["end"], f"{w}.end") if v.get("end") is not None else None,
            shift=_window(v.get("shift"), f"{w}.shift"), skills=frozenset(v.get("skills", ())),
            breaks=tuple(breaks),
            available_from=(parse_time(v["available_from"], f"{w}.available_from")
                            if v.get("available_from") is not None else None),
            **options)

    def stop(s: Mapping[str, Any], w: str) -> Stop:
        _known(s, {"id", "location", "kind", "windows", "service_time", "demand", "skills",
                   "required", "priority", "drop_penalty", "late_cost_per_hour",
                   "close_margin", "margin_cost_per_hour", "promised_by",
                   "promise_cost_per_hour", "name"}, w)
        windows = [_window(x, f"{w}.windows[{i}]") for i, x in enumerate(s.get("windows", []))]
        options = {k: s[k] for k in ("kind", "service_time", "demand", "required", "priority",
                                     "drop_penalty", "late_cost_per_hour", "close_margin",
                                     "margin_cost_per_hour", "promise_cost_per_hour")
                   if k in s}
        if s.get("promised_by") is not None:
            options["promised_by"] = parse_time(s["promised_by"], f"{w}.promised_by")
        return Stop(id=str(s["id"]), location=place(s.get("location"), f"{w}.location"),
                    windows=tuple(windows), skills=frozenset(s.get("skills", ())), **options)

    vehicles = _each(data.get("vehicles"), "vehicles", vehicle)
    stops = _each(data.get("stops"), "stops", stop)
    pairs = _each(data.get("pairs"), "pairs", lambda p, w: Pair(str(p["pickup"]),
                                                               str(p["delivery"])))
    locks_data = data.get("locks") or {}
    locks = Locks(pinned=dict(locks_data.get("pinned", {})),
                  frozen=dict(locks_data.get("frozen", {})))
    skills = data.get("skills")
    return Problem(vehicles=tuple(vehicles), stops=tuple(stops), pairs=tuple(pairs),
                   depots=tuple(depots), locks=locks,
                   skills=frozenset(skills) if skills is not None else None,
                   name=str(data.get("name", "problem")))


def load_document(path: str | Path) -> dict[str, Any]:
    """Parse a JSON or YAML file into a mapping (clear errors for unreadable files)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_problem(path: str | Path) -> Problem:
    data = load_document(path)
    try:
        return problem_from_dict(data)
    except KeyError as exc:
        raise ValueError(f"{path}: missing field {exc.args[0]!r}") from None
