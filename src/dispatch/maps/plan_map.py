"""Draw a routing plan on a self-contained Leaflet map (no CDN, no tiles unless asked).

Markers are ``folium.DivIcon`` HTML styled by our own CSS, so no icon font or image is
fetched; popups are bound with a small element of our own because folium's ``Popup``
needs jQuery.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable
from html import escape
from os import PathLike
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from dispatch.maps import popups
from dispatch.maps.assets import OfflineMap
from dispatch.routing.locations import GeoPoint, Location
from dispatch.routing.problem import Problem
from dispatch.routing.solution import Solution

logger = logging.getLogger(__name__)

#: Tableau-10 without its grey (grey marks unassigned stops), then three darker tones.
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939", "#843c39",
)
UNASSIGNED_COLOUR = "#555555"
DEPOT_COLOUR = "#222222"
DEFAULT_TILE_ATTRIBUTION = "&copy; OpenStreetMap contributors"

_CSS = string.Template("""
.dsp-icon { background: none; border: none; }
.dsp-stop { width: 22px; height: 22px; box-sizing: border-box; border-radius: 50%;
  border: 2px solid #fff; color: #fff; font: bold 11px/18px sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,.6); }
.dsp-depot { width: 24px; height: 24px; box-sizing: border-box; background: $depot;
  border: 2px solid #fff; color: #fff; font: bold 12px/20px sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,.7); }
.dsp-terminal { width: 20px; height: 20px; box-sizing: border-box; background: #fff;
  border: 4px solid; color: #222; font: bold 9px/12px sans-serif; text-align: center; }
.dsp-x { position: relative; width: 20px; height: 20px; }
.dsp-x::before, .dsp-x::after { content: ""; position: absolute; left: 7px; top: -1px;
  width: 6px; height: 22px; background: $unassigned; transform: rotate(45deg);
  box-shadow: 0 0 2px #fff; }
.dsp-x::after { transform: rotate(-45deg); }
.dsp-x-small { display: inline-block; transform: scale(.6); vertical-align: middle; }
.dsp-legend { position: fixed; top: 10px; right: 10px; z-index: 1000; background: #fff;
  padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4);
  font: 12px sans-serif; }
.dsp-legend-title { font-weight: bold; margin-bottom: 4px; }
.dsp-legend td { padding: 1px 4px; }
.dsp-swatch { display: inline-block; width: 18px; height: 5px; vertical-align: middle; }
.dsp-popup th { text-align: left; padding-right: 8px; font-weight: normal; color: #555; }
""").substitute(depot=DEPOT_COLOUR, unassigned=UNASSIGNED_COLOUR)


def route_colour(index: int) -> str:
    """The colour of the route at ``index`` in ``solution.routes`` (shared with the web page)."""
    return PALETTE[index % len(PALETTE)]


class _Bind(MacroElement):
    """Bind a popup (and tooltip) to its parent layer, without folium's jQuery popup."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.popup|tojson }}, {maxWidth: 360})"
        "{% if this.tooltip %}.bindTooltip({{ this.tooltip|tojson }}){% endif %};"
        "{% endmacro %}"
    )

    def __init__(self, popup: str, tooltip: str | None = None) -> None:
        super().__init__()
        self._name = "Bind"
        self.popup = popup
        # Leaflet sets tooltip strings as innerHTML, so ids and reasons are escaped here.
        self.tooltip = escape(tooltip) if tooltip else None


class _Projection:
    """Locations to Leaflet [lat, lon]: planar x/y are scaled into a one-degree box."""

    def __init__(self, locations: Iterable[Location]) -> None:
        points = [p for p in locations if not isinstance(p, GeoPoint)]
        self.x0 = min((p.x for p in points), default=0.0)
        self.y0 = min((p.y for p in points), default=0.0)
        span = max(
            max((p.x for p in points), default=0.0) - self.x0,
            max((p.y for p in points), default=0.0) - self.y0,
        )
        self.scale = 1.0 / span if span > 0 else 1.0

    def __call__(self, location: Location) -> list[float]:
        if isinstance(location, GeoPoint):
            return [location.lat, location.lon]
        return [(location.y - self.y0) * self.scale, (location.x - self.x0) * self.scale]


def _marker(
    layer: folium.Map, at: list[float], html: str, size: int, popup: str, tooltip: str,
    z_index: int = 0,
) -> None:
    icon = folium.DivIcon(
        html=html, icon_size=(size, size), icon_anchor=(size // 2, size // 2),
        class_name="dsp-icon",
    )
    marker = folium.Marker(at, icon=icon, z_index_offset=z_index or None)
    marker.add_child(_Bind(popup, tooltip))
    marker.add_to(layer)


def render_plan_map(
    problem: Problem,
    solution: Solution,
    path: str | PathLike[str] | None = None,
    *,
    tile_url: str | None = None,
    tile_attribution: str = DEFAULT_TILE_ATTRIBUTION,
) -> folium.Map:
    """Draw ``solution`` for ``problem``; write a self-contained HTML file to ``path``.

    No tile layer is drawn unless ``tile_url`` (a local tile server's ``{z}/{x}/{y}``
    template) is given; it is ignored for planar problems, which have no real geography.
    """
    geo = problem.is_geographic
    locations = [loc for v in problem.vehicles for loc in (v.start, v.end_location)]
    locations += [s.location for s in problem.stops] + [d.location for d in problem.depots]
    project = _Projection(locations)
    points = [project(loc) for loc in locations]
    centre = [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]
    fmap = OfflineMap(location=centre, zoom_start=13, maxZoom=18)
    if tile_url and geo:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="tiles").add_to(fmap)
    elif tile_url:
        logger.warning("tile_url ignored: planar problems have no real coordinates")
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{_CSS}</style>"), name="dispatch_css")

    colours = [route_colour(i) for i in range(len(solution.routes))]
    _draw_routes(fmap, problem, solution, colours, project, geo)
    _draw_terminals(fmap, problem, solution, colours, project, geo)
    _draw_unassigned(fmap, problem, solution, project, geo)
    root.html.add_child(
        Element(popups.legend_html(problem, solution, colours, geo)), name="dispatch_legend"
    )
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30),
                    max_zoom=16)
    if path is not None:
        fmap.save(str(Path(path)))
        logger.info("plan map written to %s", path)
    return fmap


def _draw_routes(
    fmap: folium.Map, problem: Problem, solution: Solution, colours: list[str],
    project: _Projection, geo: bool,
) -> None:
    for route, colour in zip(solution.routes, colours, strict=True):
        vehicle = problem.vehicle(route.vehicle_id)
        line = [project(vehicle.start)]
        line += [project(problem.stop(v.stop_id).location) for v in route.visits]
        line.append(project(vehicle.end_location))
        polyline = folium.PolyLine(line, color=colour, weight=4, opacity=0.85)
        polyline.add_child(_Bind(popups.route_popup(route, solution, geo), route.vehicle_id))
        polyline.add_to(fmap)
        for number, visit in enumerate(route.visits, start=1):
            stop = problem.stop(visit.stop_id)
            _marker(
                fmap, project(stop.location),
                f'<div class="dsp-stop" style="background:{colour}">{number}</div>', 22,
                popups.visit_popup(stop, visit, number, route.vehicle_id, geo),
                f"{stop.id}: {route.vehicle_id} #{number}", z_index=100,
            )


def _draw_terminals(
    fmap: folium.Map, problem: Problem, solution: Solution, colours: list[str],
    project: _Projection, geo: bool,
) -> None:
    """One marker per place vehicles start or end, merged with any depot there."""
    colour_of = {r.vehicle_id: c for r, c in zip(solution.routes, colours, strict=True)}
    places: dict[Location, dict[str, list[str]]] = {}

    def at(location: Location) -> dict[str, list[str]]:
        return places.setdefault(location, {"depots": [], "starts": [], "ends": [], "cols": []})

    for depot in problem.depots:
        at(depot.location)["depots"].append(depot.id)
    for vehicle in problem.vehicles:
        route = solution.route_of(vehicle.id)
        colour = colour_of.get(vehicle.id, DEPOT_COLOUR)
        for location, role in ((vehicle.start, "start"), (vehicle.end_location, "end")):
            place = at(location)
            place[role + "s"].append(popups.terminal_label(vehicle.id, route, role, geo))
            place["cols"].append(colour)
    for location, place in places.items():
        popup = popups.terminal_popup(place["depots"], place["starts"], place["ends"])
        if place["depots"]:
            html, size, tip = '<div class="dsp-depot">D</div>', 24, place["depots"][0]
        else:
            letters = ("S" if place["starts"] else "") + ("E" if place["ends"] else "")
            cols = set(place["cols"])
            border = cols.pop() if len(cols) == 1 else DEPOT_COLOUR
            html = f'<div class="dsp-terminal" style="border-color:{border}">{letters}</div>'
            size, tip = 20, "vehicle start/end"
        _marker(fmap, project(location), html, size, popup, tip, z_index=200)


def _draw_unassigned(
    fmap: folium.Map, problem: Problem, solution: Solution, project: _Projection, geo: bool
) -> None:
    for item in solution.unassigned:
        stop = problem.stop(item.stop_id)
        _marker(
            fmap, project(stop.location), '<div class="dsp-x"></div>', 20,
            popups.unassigned_popup(stop, item, geo), f"{stop.id}: unassigned ({item.reason})",
            z_index=50,
        )

