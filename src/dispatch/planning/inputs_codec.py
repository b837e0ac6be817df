"""``PlanInputs`` to and from JSON, so a stored plan can rebuild the exact problem it
solved (its map is drawn from that problem and the stored solution)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import Any

from dispatch.planning.problem_builder import PlanInputs, StopInput, VehicleInput, Weights


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def inputs_to_dict(inputs: PlanInputs) -> dict[str, Any]:
    return {
        "origin": inputs.origin.isoformat(),
        "vehicles": [{k: _plain(v) for k, v in asdict(x).items()} for x in inputs.vehicles],
        "stops": [{k: _plain(v) for k, v in asdict(x).items()} for x in inputs.stops],
        "weights": asdict(inputs.weights),
        "allow_moving_dispatched": inputs.allow_moving_dispatched,
        "open_windows": sorted(inputs.open_windows),
        "overtime": sorted(inputs.overtime),
        "serve_late": inputs.serve_late,
        "depart_now": inputs.depart_now,
        "close_margin_seconds": inputs.close_margin.total_seconds(),
    }


_DATETIMES = {"shift_start", "shift_end", "window_start", "window_end", "eta"}
_PAIRS = {"home", "position", "returning_from"}


def _typed(cls: type, data: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if value is not None and f.name in _DATETIMES:
            value = datetime.fromisoformat(value)
        elif value is not None and f.name in _PAIRS:
            value = tuple(value)
        elif f.name == "skills":
            value = frozenset(value)
        values[f.name] = value
    return cls(**values)


def inputs_from_dict(data: dict[str, Any]) -> PlanInputs:
    return PlanInputs(
        origin=datetime.fromisoformat(data["origin"]),
        vehicles=tuple(_typed(VehicleInput, v) for v in data["vehicles"]),
        stops=tuple(_typed(StopInput, s) for s in data["stops"]),
        weights=Weights(**data["weights"]),
        allow_moving_dispatched=data["allow_moving_dispatched"],
        open_windows=frozenset(data.get("open_windows", ())),
        overtime=frozenset(data.get("overtime", ())),
        serve_late=data.get("serve_late", False),
        depart_now=data.get("depart_now", False),
        close_margin=timedelta(seconds=data.get("close_margin_seconds", 0.0)),
    )
