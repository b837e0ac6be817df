"""``dispatch solve``: plan a problem file, write the plan JSON and the map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dispatch.cli.output import console, solution_table, unassigned_table
from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.problem_file import load_document, problem_from_dict
from dispatch.routing.solver import SolveParams, solve


def _matrix(spec: dict, osm: Path | None,
            ) -> TravelMatrix | MatrixProvider | None:
    """The problem file's ``matrix`` section, or ``--osm`` for the road network: a provider
    (``solve`` asks it for the matrices it needs), or None for the default."""
    provider = spec.get("provider", "road" if osm else "default")
    if provider == "road":
        from dispatch.routing.matrices.road import RoadMatrix, RoadNetwork

        source = osm or spec.get("osm")
        if not source:
            raise ValueError("matrix.osm: the road provider needs an .osm.pbf file (--osm)")
        return RoadMatrix(RoadNetwork.from_osm(source))
    if provider == "great_circle":
        from dispatch.routing.matrices.great_circle import GreatCircleMatrix

        return GreatCircleMatrix(detour=float(spec.get("detour", 1.3)))
    if provider != "default":
        raise ValueError(f"matrix.provider: unknown provider {provider!r}")
    return None


def solve_command(
    problem_path: Annotated[Path, typer.Argument(help="Problem file (.json or .yaml)")],
    time_limit: Annotated[float, typer.Option(help="Seconds to search")] = 10.0,
    objective: Annotated[str, typer.Option(help="cost or hierarchical")] = "cost",
    workers: Annotated[int, typer.Option(help="Parallel searches (0 = all cores)")] = 0,
    solution_limit: Annotated[int | None, typer.Option(help="Stop after N solutions")] = None,
    osm: Annotated[Path | None, typer.Option(help="Road network .osm.pbf")] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Write a map HTML")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the plan as JSON")] = None,
) -> None:
    """Plan routes for a problem file."""
    document = load_document(problem_path)
    try:
        problem = problem_from_dict(document)
    except ValueError as exc:
        raise ValueError(f"{problem_path}: {exc}") from None
    params = SolveParams(time_limit=time_limit, objective=objective, workers=workers,
                         solution_limit=solution_limit)
    matrix = _matrix(document.get("matrix") or {}, osm)
    with console.status(f"Planning {len(problem.stops)} stops on "
                        f"{len(problem.vehicles)} vehicles for up to {time_limit:g} s"):
        solution = solve(problem, params, matrix)
    console.print(solution_table(solution, problem.is_geographic))
    if solution.unassigned:
        console.print(unassigned_table(solution))
    kpis = solution.kpis()
    console.print(f"[bold]{kpis['vehicles']}[/] routes, {kpis['stops_served']} stops served, "
                  f"{kpis['stops_unassigned']} unassigned, cost {kpis['cost']:.2f}")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(solution.to_dict(), indent=2, default=list))
        console.print(f"plan written to {out}")
    if map_path:
        from dispatch.maps.plan_map import render_plan_map

        map_path.parent.mkdir(parents=True, exist_ok=True)
        render_plan_map(problem, solution, map_path)
        console.print(f"map written to {map_path}")
