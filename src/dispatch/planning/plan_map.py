"""A stored plan drawn as the routing core's offline folium map (same layout and colours
as ``dispatch solve --map``), rebuilt from the inputs and solution the plan kept."""

from __future__ import annotations

from dispatch.db.database import Database
from dispatch.errors import Conflict, NotFound
from dispatch.maps.plan_map import DEFAULT_TILE_ATTRIBUTION, render_plan_map
from dispatch.planning.inputs_codec import inputs_from_dict
from dispatch.planning.models import Plan
from dispatch.planning.problem_builder import build_problem
from dispatch.routing import Solution


def plan_map_html(database: Database, plan_id: int, *, tile_url: str | None = None,
                  tile_attribution: str | None = None) -> str:
    """The plan's map as one self-contained HTML document; 404 for no such plan, 409 for
    a plan with nothing to draw yet (queued, running, failed)."""
    with database.read_uow() as uow:
        plan = uow.db.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"plan {plan_id} does not exist", field="plan_id")
        drawing = (plan.result or {}).get("drawing")
        status = plan.status
    if drawing is None:
        raise Conflict(f"plan {plan_id} is {status}: it has no routes to draw", field="plan_id")
    problem = build_problem(inputs_from_dict(drawing["inputs"])).problem
    solution = Solution.from_dict(drawing["solution"])
    fmap = render_plan_map(problem, solution, tile_url=tile_url,
                           tile_attribution=tile_attribution or DEFAULT_TILE_ATTRIBUTION)
    return fmap.get_root().render()
