"""The text on a plan map: popups, tooltips and the legend, as escaped HTML fragments.

Kept apart from the drawing so the dispatcher web page can show the same wording. Times
of geographic problems are seconds of the day shown as HH:MM; planar (benchmark) problems
have unitless times and distances, shown as plain numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from dispatch.routing.problem import Problem
from dispatch.routing.solution import Route, Solution, Unassigned, Visit
from dispatch.routing.stops import Stop
from dispatch.routing.windows import TimeWindow


def clock(seconds: float) -> str:
    """Seconds from the start of the planning day as HH:MM (hours go past 24 overnight)."""
    if not math.isfinite(seconds):
        return "--:--"
    hours, minutes = divmod(int(seconds // 60), 60)
    return f"{hours:02d}:{minutes:02d}"


def _time(seconds: float, geo: bool) -> str:
    return clock(seconds) if geo else f"{seconds:.1f}"


def distance_text(distance: float, geo: bool) -> str:
    """Metres as km for real maps; benchmark units as they are."""
    return f"{distance / 1000.0:.1f} km" if geo else f"{distance:.1f}"


def windows_text(windows: Sequence[TimeWindow], geo: bool) -> str:
    parts = []
    for window in windows:
        if window.start <= 0 and math.isinf(window.end):
            parts.append("any time")
        elif math.isinf(window.end):
            parts.append(f"from {_time(window.start, geo)}")
        else:
            parts.append(f"{_time(window.start, geo)}-{_time(window.end, geo)}")
    return ", ".join(parts)


def quantities_text(amounts: Mapping[str, float]) -> str:
    return ", ".join(f"{dim} {amount:g}" for dim, amount in amounts.items()) or "-"


def _table(rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="dsp-popup">{cells}</table>'


def visit_popup(stop: Stop, visit: Visit, number: int, vehicle_id: str, geo: bool) -> str:
    """Everything a dispatcher asks about a served stop: when, how full, which window."""
    rows = [
        ("Vehicle", f"{vehicle_id}, stop {number}"),
        ("Kind", stop.kind.value),
        ("ETA", _time(visit.arrival, geo)),
        ("Service start", _time(visit.start, geo)),
    ]
    if visit.waiting > 0:
        rows.append(("Waiting", _duration(visit.waiting, geo)))
    if visit.lateness > 0:
        rows.append(("Late by", _duration(visit.lateness, geo)))
    rows += [
        ("Departure", _time(visit.departure, geo)),
        ("Window", windows_text(stop.windows, geo)),
        ("Demand", quantities_text(stop.demand)),
        ("Load after", quantities_text(visit.load)),
    ]
    return f"<b>{escape(stop.id)}</b>{_table(rows)}"


def unassigned_popup(stop: Stop, item: Unassigned, geo: bool) -> str:
    """Why a stop is left out, next to the window and demand that usually explain it."""
    rows = [
        ("Unassigned", item.reason),
        ("Detail", item.detail),
        ("Window", windows_text(stop.windows, geo)),
        ("Demand", quantities_text(stop.demand)),
    ]
    return f"<b>{escape(stop.id)}</b>{_table(rows)}"


def _duration(seconds: float, geo: bool) -> str:
    return f"{seconds / 60.0:.0f} min" if geo else f"{seconds:.1f}"


def route_popup(route: Route, solution: Solution, geo: bool) -> str:
    rows = [
        ("Stops", str(len(route.visits))),
        ("Distance", distance_text(route.distance, geo)),
        ("Leaves", _time(route.start_time, geo)),
        ("Returns", _time(route.end_time, geo)),
        ("Waiting", _duration(route.waiting, geo)),
    ]
    rows += [
        (f"Violation ({v.kind})", v.detail)
        for v in solution.violations
        if v.vehicle_id == route.vehicle_id
    ]
    return f"<b>{escape(route.vehicle_id)}</b>{_table(rows)}"


def terminal_popup(
    depot_ids: Sequence[str], starts: Sequence[str], ends: Sequence[str]
) -> str:
    """A depot or vehicle start/end point: who leaves from and returns to it."""
    title = "Depot " + ", ".join(depot_ids) if depot_ids else "Vehicle start/end"
    rows = []
    if starts:
        rows.append(("Starts", "; ".join(starts)))
    if ends:
        rows.append(("Ends", "; ".join(ends)))
    return f"<b>{escape(title)}</b>{_table(rows)}"


def terminal_label(vehicle_id: str, route: Route | None, when: str, geo: bool) -> str:
    """``v1 08:00`` for a used vehicle, ``v3 (unused)`` otherwise."""
    if route is None:
        return f"{vehicle_id} (unused)"
    return f"{vehicle_id} {_time(route.start_time if when == 'start' else route.end_time, geo)}"


def legend_html(
    problem: Problem, solution: Solution, colours: Sequence[str], geo: bool
) -> str:
    """A fixed box: one line per route (colour, vehicle, stops, distance) and the left-outs."""
    lines = []
    for route, colour in zip(solution.routes, colours, strict=True):
        lines.append(
            f'<tr><td><span class="dsp-swatch" style="background:{colour}"></span></td>'
            f"<td>{escape(route.vehicle_id)}</td><td>{len(route.visits)} stops</td>"
            f"<td>{distance_text(route.distance, geo)}</td></tr>"
        )
    if solution.unassigned:
        lines.append(
            '<tr><td><span class="dsp-x dsp-x-small"></span></td>'
            f'<td colspan="3">{len(solution.unassigned)} unassigned</td></tr>'
        )
    return (
        f'<div class="dsp-legend"><div class="dsp-legend-title">{escape(problem.name)}</div>'
        f"<table>{''.join(lines)}</table></div>"
    )
