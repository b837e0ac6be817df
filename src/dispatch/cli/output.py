"""Rich tables shared by the commands."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from dispatch.maps.popups import clock
from dispatch.routing.solution import Solution

console = Console()


def solution_table(solution: Solution, geographic: bool) -> Table:
    table = Table(title="Routes", show_lines=False)
    for column in ("vehicle", "stops", "distance", "start", "end", "waiting", "cost"):
        table.add_column(column, justify="right" if column != "vehicle" else "left")
    for route in solution.routes:
        dist = f"{route.distance / 1000:.1f} km" if geographic else f"{route.distance:.1f}"
        times = [clock(route.start_time), clock(route.end_time)] if geographic else [
            f"{route.start_time:.0f}", f"{route.end_time:.0f}"]
        table.add_row(route.vehicle_id, str(len(route.visits)), dist, *times,
                      f"{route.waiting / 60:.0f} min" if geographic else f"{route.waiting:.0f}",
                      f"{route.cost:.2f}")
    return table


def unassigned_table(solution: Solution) -> Table:
    table = Table(title="Unassigned stops")
    table.add_column("stop")
    table.add_column("reason")
    table.add_column("detail")
    for item in solution.unassigned:
        table.add_row(item.stop_id, item.reason, item.detail)
    return table
