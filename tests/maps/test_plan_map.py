"""The plan map: routes, stops and left-out stops drawn into an HTML file that needs no network."""

from __future__ import annotations

import dataclasses
import re

import pytest

from dispatch.maps import PALETTE, render_plan_map, route_colour
from dispatch.maps.popups import clock
from dispatch.routing.evaluation import evaluate
from dispatch.routing.locations import GeoPoint, PlanarPoint
from dispatch.routing.problem import Depot, Problem
from dispatch.routing.solution import Solution, Unassigned
from dispatch.routing.stops import Stop
from dispatch.routing.vehicles import Vehicle
from dispatch.routing.windows import TimeWindow

H = 3600.0
HUB = GeoPoint(43.7311, 7.4197)
REASON = "time_window"
DETAIL = "window closes at 01:10, before any shift starts"


@pytest.fixture(scope="module")
def monaco() -> tuple[Problem, Solution]:
    vehicles = (
        Vehicle("v1", HUB, TimeWindow(8 * H, 18 * H), capacity={"kg": 100}),
        Vehicle("v2", HUB, TimeWindow(8 * H, 18 * H), end=GeoPoint(43.74, 7.43),
                capacity={"kg": 100}),
    )
    stops = (
        Stop("s1", GeoPoint(43.7350, 7.4150), windows=(TimeWindow(9 * H, 11 * H),),
             service_time=300, demand={"kg": 10}),
        Stop("s2", GeoPoint(43.7390, 7.4210), service_time=300, demand={"kg": 20}),
        Stop("s3", GeoPoint(43.7280, 7.4120), demand={"kg": 5}),
        Stop("s4", GeoPoint(43.7260, 7.4250), demand={"kg": 15}),
        Stop("s5", GeoPoint(43.7330, 7.4290), demand={"kg": 8}),
        Stop("late", GeoPoint(43.7370, 7.4060), windows=(TimeWindow(1 * H, 1 * H + 600),),
             demand={"kg": 3}),
    )
    problem = Problem(vehicles, stops, depots=(Depot("hub", HUB),), name="monaco")
    solution = evaluate(problem, {"v1": ["s1", "s2", "s3"], "v2": ["s4", "s5"]})
    solution = dataclasses.replace(solution, unassigned=(Unassigned("late", REASON, DETAIL),))
    return problem, solution


@pytest.fixture(scope="module")
def monaco_html(monaco, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("map") / "plan.html"
    render_plan_map(*monaco, path)
    assert path.is_file()
    return path.read_text(encoding="utf-8")


def _assert_offline(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", html, re.I)
    assert "<link" not in html.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)


def test_map_shows_every_route_colour_and_stop(monaco, monaco_html):
    """Each route's colour and every served stop id are in the written HTML."""
    problem, solution = monaco
    for index, route in enumerate(solution.routes):
        assert route_colour(index) in monaco_html
        for stop_id in route.stop_ids:
            assert f'"{stop_id}: {route.vehicle_id} #' in monaco_html
    assert {s for r in solution.routes for s in r.stop_ids} == {"s1", "s2", "s3", "s4", "s5"}


def test_map_marks_unassigned_stop_with_reason(monaco_html):
    """The unassigned stop is drawn with its reason and detail."""
    assert "late: unassigned (time_window)" in monaco_html
    assert REASON in monaco_html and DETAIL in monaco_html


def test_map_popups_and_legend_carry_schedule(monaco_html):
    """Popups show HH:MM times, windows and loads; the legend lists vehicles and km."""
    assert "09:00-11:00" in monaco_html
    assert "kg 25" in monaco_html  # v1 leaves with 35 kg and drops 10 at s1
    assert "dsp-legend" in monaco_html and "km</td>" in monaco_html
    assert "Depot hub" in monaco_html


def test_map_html_contains_no_url(monaco_html):
    """Nothing in the page points at the network: no http(s) URL, link tag or script src."""
    _assert_offline(monaco_html)
    assert "L.tileLayer(" not in monaco_html
    assert ".leaflet-container" in monaco_html  # Leaflet's CSS is inlined...
    assert "L.Icon.Default.imagePath" in monaco_html  # ...and so is its JS


def test_tile_url_adds_local_tile_layer(monaco, tmp_path):
    """A given tile server URL becomes the map's only tile layer."""
    fmap = render_plan_map(*monaco, tile_url="/tiles/{z}/{x}/{y}.png")
    html = fmap.get_root().render()
    assert html.count("L.tileLayer(") == 1 and "/tiles/{z}/{x}/{y}.png" in html
    _assert_offline(html)


def test_planar_problem_renders(tmp_path):
    """A benchmark-style x/y problem renders offline, squeezed into a small fake lat/lon box."""
    vehicle = Vehicle("a", PlanarPoint(40, 50), TimeWindow(0, 1000))
    stops = tuple(Stop(f"c{i}", PlanarPoint(x, y))
                  for i, (x, y) in enumerate([(10, 10), (80, 20), (60, 90), (20, 70)]))
    problem = Problem((vehicle,), stops, name="bench")
    solution = evaluate(problem, {"a": ["c0", "c1", "c2"]})
    path = tmp_path / "planar.html"
    render_plan_map(problem, solution, path)
    html = path.read_text(encoding="utf-8")
    for stop_id in ("c0", "c1", "c2", "c3"):
        assert f'"{stop_id}' in html
    assert "not_planned" in html
    _assert_offline(html)
    coords = re.findall(r"L\.marker\(\s*\[([-\d.e]+), ([-\d.e]+)\]", html)
    assert coords and all(0 <= float(v) <= 1 for pair in coords for v in pair)


def test_route_colour_cycles_through_fixed_palette():
    """Route colours are fixed, distinct within the palette, and repeat after it."""
    assert len(set(PALETTE)) == len(PALETTE)
    assert [route_colour(i) for i in range(len(PALETTE))] == list(PALETTE)
    assert route_colour(len(PALETTE) + 1) == route_colour(1)


def test_clock_formats_seconds_of_day():
    """Seconds of the day print as HH:MM, past 24 h for overnight work."""
    assert clock(9 * H) == "09:00"
    assert clock(9 * H + 59) == "09:00"
    assert clock(25 * H + 120) == "25:02"
    assert clock(float("inf")) == "--:--"
