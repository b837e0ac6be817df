"""A solved plan as dispatchers read it: routes per driver with clock times, what was
left out and why, and the totals. Stored as JSON on the plan; the commit reads it back.

Times are ISO 8601 strings in UTC. An ETA is when service can begin (the arrival, or the
window start after waiting for it), as the ETA engine reports it, so the two agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dispatch.planning.problem_builder import (
    VOLUME,
    WEIGHT,
    BuiltProblem,
    PlanInputs,
    StopInput,
    vehicle_id,
)
from dispatch.routing import Solution


def clock(origin: datetime, seconds: float) -> str:
    return (origin + timedelta(seconds=seconds)).isoformat()


def work_ref(stop_id: str) -> dict[str, int]:
    """``"order:12"`` -> ``{"order_id": 12}``; ``"return:3"`` -> ``{"return_id": 3}``."""
    kind, number = stop_id.split(":")
    return {f"{kind}_id": int(number)}


def _load(load: dict[str, float]) -> dict[str, float]:
    return {WEIGHT: load.get(WEIGHT, 0.0), VOLUME: load.get(VOLUME, 0.0)}


def _stop_dict(origin: datetime, sequence: int, stop: StopInput, visit: Any) -> dict[str, Any]:
    return {
        "sequence": sequence, "kind": stop.kind, **work_ref(stop.id),
        "lat": stop.lat, "lon": stop.lon, "eta": clock(origin, visit.start),
        "window_start": stop.window_start.isoformat(), "window_end": stop.window_end.isoformat(),
        "service_seconds": stop.service_seconds, "load_after": _load(dict(visit.load)),
        "late": visit.lateness > 0,
    }


def render_result(inputs: PlanInputs, built: BuiltProblem, solution: Solution) -> dict[str, Any]:
    """``{"routes", "unassigned", "kpis", "stats"}`` for the plan's stored result."""
    origin = inputs.origin
    stops = {s.id: s for s in inputs.stops}
    routes = []
    for vehicle in inputs.vehicles:
        route = solution.route_of(vehicle_id(vehicle.driver_id))
        if route is None or not route.visits:
            continue
        loads = [_load(dict(route.start_load))] + [_load(dict(v.load)) for v in route.visits]
        routes.append({
            "driver_id": vehicle.driver_id, "driver_name": vehicle.driver_name,
            "shift_id": vehicle.shift_id, "warehouse_id": vehicle.warehouse_id,
            "capacity": {WEIGHT: vehicle.capacity_weight_g, VOLUME: vehicle.capacity_volume_ml},
            "start_at": clock(origin, route.start_time), "end_at": clock(origin, route.end_time),
            "distance_m": round(route.distance, 1), "duration_s": round(route.duration, 1),
            "start_load": loads[0],
            "max_load": {dim: max(load[dim] for load in loads) for dim in (WEIGHT, VOLUME)},
            "stops": [_stop_dict(origin, i, stops[v.stop_id], v)
                      for i, v in enumerate(route.visits, start=1)],
        })
    unassigned = [{**work_ref(u.stop_id), "reason": u.reason, "detail": u.detail}
                  for u in (*built.window_passed, *solution.unassigned)]
    served = sum(len(r["stops"]) for r in routes)
    kpis = {
        "routes": len(routes), "stops": served,
        "distance_km": round(sum(r["distance_m"] for r in routes) / 1000, 3),
        "duration_h": round(sum(r["duration_s"] for r in routes) / 3600, 3),
        "late_stops": sum(s["late"] for r in routes for s in r["stops"]),
        "unassigned": len(unassigned),
    }
    stats = {k: v for k, v in solution.stats.items() if k in ("strategy", "seconds")}
    return {"routes": routes, "unassigned": unassigned, "kpis": kpis, "stats": stats}
