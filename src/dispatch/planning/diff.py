"""What a re-plan changes against the drivers' active routes it was built on.

``moved``: work that changes driver; ``eta_changes``: orders staying planned whose ETA
moves by at least a minute; ``added``: work new to the routes; ``removed``: work on a
route now that the plan leaves out (it goes back to the pool).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.planning.problem_builder import StopInput
from dispatch.planning.results import work_ref

MIN_ETA_CHANGE_MINUTES = 1.0


def _planned(result: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Stop id -> (driver id, ETA) in the plan's routes."""
    found = {}
    for route in result["routes"]:
        for stop in route["stops"]:
            kind = "order" if "order_id" in stop else "return"
            found[f"{kind}:{stop[kind + '_id']}"] = (route["driver_id"], stop["eta"])
    return found


def plan_diff(stops: tuple[StopInput, ...], result: dict[str, Any]) -> dict[str, Any]:
    """The diff of ``result`` against the routes the ``stops`` were on (``driver_id``)."""
    before = {s.id: s for s in stops if s.driver_id is not None}
    after = _planned(result)
    moved, eta_changes, removed = [], [], []
    for stop_id, stop in before.items():
        if stop_id not in after:
            removed.append({**work_ref(stop_id), "driver_id": stop.driver_id})
            continue
        driver_id, eta = after[stop_id]
        if driver_id != stop.driver_id:
            moved.append({**work_ref(stop_id), "from_driver_id": stop.driver_id,
                          "to_driver_id": driver_id})
        elif stop.eta is not None and stop.order_id is not None:
            minutes = (datetime.fromisoformat(eta) - stop.eta).total_seconds() / 60
            if abs(minutes) >= MIN_ETA_CHANGE_MINUTES:
                eta_changes.append({"order_id": stop.order_id, "before": stop.eta.isoformat(),
                                    "after": eta, "minutes": round(minutes, 1)})
    added = [{**work_ref(stop_id), "driver_id": driver_id}
             for stop_id, (driver_id, _) in after.items() if stop_id not in before]
    return {"moved": moved, "eta_changes": eta_changes, "added": added, "removed": removed}
