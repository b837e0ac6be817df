"""How simulated drivers drive a leg: straight (the great-circle default) or along the
road graph, on a four-node map small enough to know every path by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dispatch.routing import GeoPoint, GreatCircleMatrix
from dispatch.routing.matrices.great_circle import haversine_metres
from dispatch.routing.matrices.road import RoadMatrix, RoadNetwork
from dispatch.sim.legs import Leg, StraightLegs
from dispatch.sim.roads import RoadLegs, RoadTravel, load_network
from tests.routing.matrices.test_road import TINY_OSM

# The tiny map's corners: 1 -> 2 is one-way east; 2-3, 3-4 and 4-1 are two-way.
N1, N2, N3, N4 = (43.700, 7.400), (43.700, 7.401), (43.701, 7.401), (43.701, 7.400)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_metres(np.array([a]), np.array([b]))[0, 0])


@pytest.fixture()
def tiny(tmp_path: Path) -> RoadMatrix:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM)
    return RoadMatrix(RoadNetwork.from_osm(path, cache_dir=tmp_path / "cache"))


def test_a_straight_leg_is_the_great_circle_estimate():
    """The default leg is what the planner assumes: great circle × detour, pinged on the
    straight line in proportion to time."""
    leg = StraightLegs().leg(N1, N3)
    matrix = GreatCircleMatrix().matrix([GeoPoint(*N1), GeoPoint(*N3)])
    assert leg.metres == float(matrix.distance[0, 1])
    assert leg.seconds == float(matrix.duration[0, 1])
    assert leg.position(0.25) == (N1[0] + 0.25 * (N3[0] - N1[0]),
                                  N1[1] + 0.25 * (N3[1] - N1[1]))
    assert leg.position(0.0) == N1 and leg.position(1.0) == N3


def test_against_a_one_way_street_the_driver_goes_round_the_block(tiny):
    """2 -> 1 is one-way the other way: the leg goes 2, 3, 4, 1, three sides long, and
    takes exactly the road matrix's time for the pair."""
    leg = RoadLegs(tiny).leg(N2, N1)
    assert leg.path == (N2, N2, N3, N4, N1, N1)
    sides = _metres(N2, N3) + _metres(N3, N4) + _metres(N4, N1)
    assert leg.metres == pytest.approx(sides, abs=1e-6)
    assert leg.metres > 3 * _metres(N1, N2)
    matrix = tiny.matrix([GeoPoint(*N2), GeoPoint(*N1)])
    assert leg.seconds == float(matrix.duration[0, 1])
    assert leg.times[0] == 0.0 and leg.times[-1] == leg.seconds
    assert list(leg.times) == sorted(leg.times)

    with_it = RoadLegs(tiny).leg(N1, N2)  # the one-way street's own direction
    assert with_it.path == (N1, N1, N2, N2)
    assert with_it.metres == pytest.approx(_metres(N1, N2), abs=1e-6)


def test_pings_follow_the_road_not_the_straight_line(tiny):
    """Halfway through the time of the 2-3 street the driver is halfway up it; once
    past 3, they are on the 3-4 street, never on the straight line from 2 to 1."""
    leg = RoadLegs(tiny).leg(N2, N1)
    at_three = leg.times[2] / leg.seconds
    halfway_up = leg.position(at_three / 2)
    assert halfway_up == pytest.approx(((N2[0] + N3[0]) / 2, N2[1]), abs=1e-9)
    assert leg.position(at_three) == pytest.approx(N3, abs=1e-12)
    on_top = leg.position((leg.times[2] + leg.times[3]) / 2 / leg.seconds)
    assert on_top[0] == pytest.approx(N3[0], abs=1e-12)
    assert N4[1] < on_top[1] < N3[1]


def test_off_the_road_the_leg_walks_at_access_speed(tiny):
    """Two points that snap to the same node are joined directly at the access speed;
    a snap leg counts in both distance and time."""
    near_one = (43.7001, 7.4001)
    leg = RoadLegs(tiny).leg(N1, near_one)
    assert leg.path == (N1, near_one)
    assert leg.metres == pytest.approx(_metres(N1, near_one))
    assert leg.seconds == pytest.approx(leg.metres / (tiny.access_kmh / 3.6))
    matrix = tiny.matrix([GeoPoint(*near_one), GeoPoint(*N3)])
    assert RoadLegs(tiny).leg(near_one, N3).seconds == float(matrix.duration[0, 1])


def test_a_place_off_the_map_is_named(tmp_path, monkeypatch):
    """An address too far from every road is refused before the day starts, by name."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM)
    roads = RoadTravel.from_osm(path)
    roads.check_on_map([("depot HUB", *N1), ("order o-1", *N3)])
    with pytest.raises(ValueError, match=r"^order o-2 \(43\.80000, 7\.40000\) is 11\.0 km "
                                         r"from the nearest road of tiny\.osm"):
        roads.check_on_map([("depot HUB", *N1), ("order o-2", 43.8, 7.4)])


def test_the_graph_is_read_once_per_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM)
    assert load_network(path) is load_network(tmp_path / "." / "tiny.osm")
    with pytest.raises(ValueError, match="OSM file not found"):
        load_network(tmp_path / "missing.osm.pbf")


def test_a_leg_needs_two_timed_waypoints():
    with pytest.raises(ValueError, match="at least two waypoints"):
        Leg(0.0, 0.0, (N1,), (0.0,))
