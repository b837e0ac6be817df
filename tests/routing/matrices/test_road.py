"""Road-network matrices: the real Monaco extract plus a tiny hand-made map for the rules."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from dispatch.routing.locations import GeoPoint, PlanarPoint
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.matrices.great_circle import haversine_metres
from dispatch.routing.matrices.road import RoadMatrix, RoadNetwork
from dispatch.routing.matrices.road_graph import default_cache_dir

MONACO = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "monaco.osm.pbf"
OFF_DIAGONAL = ~np.eye(30, dtype=bool)

# A 0.001-degree "square" (80 m east-west, 111 m north-south): 1 -> 2 is one-way, the other
# sides two-way; a footway cuts 1-3, a private road leads to 5, a one-way spur dead-ends at 6.
TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" version="1" lat="43.700" lon="7.400"/>
  <node id="2" version="1" lat="43.700" lon="7.401"/>
  <node id="3" version="1" lat="43.701" lon="7.401"/>
  <node id="4" version="1" lat="43.701" lon="7.400"/>
  <node id="5" version="1" lat="43.702" lon="7.400"/>
  <node id="6" version="1" lat="43.7015" lon="7.399"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="50"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/></way>
  <way id="13" version="1"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="14" version="1"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="15" version="1"><nd ref="4"/><nd ref="6"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
</osm>
"""
CORNERS = [GeoPoint(43.700, 7.400), GeoPoint(43.700, 7.401), GeoPoint(43.701, 7.401)]


def _metres(a: GeoPoint, b: GeoPoint) -> float:
    return float(haversine_metres(np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]))[0, 0])


SIDE_M = _metres(CORNERS[0], CORNERS[1])  # 1-2, east-west
UP_M = _metres(CORNERS[1], CORNERS[2])  # 2-3, north-south


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("road-cache")


@pytest.fixture(scope="module")
def monaco(cache_dir: Path) -> RoadNetwork:
    if not MONACO.is_file():
        pytest.skip(f"Monaco extract not found at {MONACO.resolve()} (needs ../shared/data)")
    return RoadNetwork.from_osm(MONACO, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def points() -> list[GeoPoint]:
    rng = np.random.default_rng(20240601)
    lats = rng.uniform(43.725, 43.750, 30)
    lons = rng.uniform(7.405, 7.440, 30)
    return [GeoPoint(lat, lon) for lat, lon in zip(lats, lons, strict=True)]


@pytest.fixture(scope="module")
def monaco_matrix(monaco: RoadNetwork, points: list[GeoPoint]) -> TravelMatrix:
    return RoadMatrix(monaco).matrix(points)


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM)
    return path


@pytest.mark.needs_shared
def test_monaco_graph_is_large_and_strongly_connected(monaco: RoadNetwork) -> None:
    """Monaco loads with thousands of nodes and a single strongly connected component."""
    assert monaco.node_count > 5_000
    assert monaco.edge_count > monaco.node_count
    count, _ = connected_components(monaco.csr("length"), directed=True, connection="strong")
    assert count == 1
    min_lat, min_lon, max_lat, max_lon = monaco.bounds
    assert min_lat < 43.73 < 43.75 < max_lat and min_lon < 7.41 < 7.44 < max_lon


@pytest.mark.needs_shared
def test_monaco_matrix_is_asymmetric(monaco_matrix: TravelMatrix) -> None:
    """One-way streets make some trips much longer one way than the other."""
    distance = monaco_matrix.distance
    assert np.abs(distance - distance.T).max() > 50.0


@pytest.mark.needs_shared
def test_monaco_road_distance_at_least_great_circle(
    monaco_matrix: TravelMatrix, points: list[GeoPoint]
) -> None:
    """Road distance is never shorter than the great-circle distance between the points."""
    coords = np.array([(p.lat, p.lon) for p in points])
    straight = haversine_metres(coords, coords)
    assert np.all(monaco_matrix.distance[OFF_DIAGONAL] >= straight[OFF_DIAGONAL] - 1e-6)


@pytest.mark.needs_shared
def test_monaco_durations_positive_and_diagonal_zero(monaco_matrix: TravelMatrix) -> None:
    """Every trip between distinct points takes time; staying put takes none."""
    assert np.all(monaco_matrix.duration[OFF_DIAGONAL] > 0)
    assert np.all(np.diag(monaco_matrix.distance) == 0)
    assert np.all(np.diag(monaco_matrix.duration) == 0)


@pytest.mark.needs_shared
def test_monaco_second_load_comes_from_cache(
    monaco: RoadNetwork, cache_dir: Path, points: list[GeoPoint], monaco_matrix: TravelMatrix
) -> None:
    """A second load reads the .npz cache and gives identical matrices."""
    assert not monaco.from_cache
    again = RoadNetwork.from_osm(MONACO, cache_dir=cache_dir)
    assert again.from_cache
    assert (again.node_count, again.edge_count) == (monaco.node_count, monaco.edge_count)
    repeat = RoadMatrix(again).matrix(points)
    np.testing.assert_array_equal(repeat.distance, monaco_matrix.distance)
    np.testing.assert_array_equal(repeat.duration, monaco_matrix.duration)


@pytest.mark.needs_shared
def test_monaco_rejects_planar_points(monaco: RoadNetwork) -> None:
    """Planar benchmark points cannot be placed on a road map."""
    with pytest.raises(ValueError, match="lat/lon"):
        RoadMatrix(monaco).matrix([GeoPoint(43.74, 7.42), PlanarPoint(1.0, 2.0)])


@pytest.mark.needs_shared
def test_monaco_rejects_point_in_paris(monaco: RoadNetwork) -> None:
    """A location far outside the extract is an error, not a 700 km snap leg."""
    with pytest.raises(ValueError, match=r"location 1 .* km from the nearest road"):
        RoadMatrix(monaco).matrix([GeoPoint(43.74, 7.42), GeoPoint(48.8566, 2.3522)])


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    """A missing OSM file gives a ValueError naming it."""
    with pytest.raises(ValueError, match="OSM file not found"):
        RoadNetwork.from_osm(tmp_path / "nowhere.osm.pbf", cache_dir=tmp_path)


def test_tiny_map_keeps_drivable_strong_component(tiny: Path, tmp_path: Path) -> None:
    """Footway and private road are dropped and the one-way dead end is pruned."""
    network = RoadNetwork.from_osm(tiny, cache_dir=tmp_path / "cache")
    assert sorted(network.node_ids.tolist()) == [1, 2, 3, 4]
    assert network.edge_count == 7  # 1->2 one way, 2-3, 3-4 and 4-1 both ways


def test_tiny_map_respects_one_way(tiny: Path, tmp_path: Path) -> None:
    """1 -> 2 drives the one-way side; 2 -> 1 goes round the other three sides."""
    network = RoadNetwork.from_osm(tiny, cache_dir=tmp_path / "cache")
    result = RoadMatrix(network).matrix(CORNERS[:2])
    assert result.distance[0, 1] == pytest.approx(SIDE_M, rel=1e-6)
    corner_4 = GeoPoint(43.701, 7.400)
    around = UP_M + _metres(CORNERS[2], corner_4) + _metres(corner_4, CORNERS[0])
    assert result.distance[1, 0] == pytest.approx(around, rel=1e-9)
    assert result.duration[0, 1] == pytest.approx(SIDE_M / (25 / 3.6), rel=1e-6)


def test_tiny_map_honours_numeric_maxspeed(tiny: Path, tmp_path: Path) -> None:
    """The side tagged maxspeed=50 takes its length at 50 km/h, not the residential default."""
    network = RoadNetwork.from_osm(tiny, cache_dir=tmp_path / "cache")
    result = RoadMatrix(network).matrix(CORNERS[1:])
    assert result.duration[0, 1] == pytest.approx(result.distance[0, 1] / (50 / 3.6), rel=1e-6)


def test_tiny_map_snap_legs_and_duplicates(tiny: Path, tmp_path: Path) -> None:
    """Snap distance is reported, added to both ends, and repeated addresses cost nothing."""
    network = RoadNetwork.from_osm(tiny, cache_dir=tmp_path / "cache")
    off_road = GeoPoint(43.7000, 7.3995)  # about 40 m west of node 1
    nodes, metres = network.snap([off_road, CORNERS[1]])
    assert network.node_ids[nodes].tolist() == [1, 2]
    assert metres[0] == pytest.approx(40.2, abs=0.5) and metres[1] == pytest.approx(0.0)
    result = RoadMatrix(network, access_kmh=15.0).matrix([off_road, CORNERS[1], CORNERS[1]])
    assert result.distance[0, 1] == pytest.approx(metres[0] + SIDE_M, rel=1e-6)
    assert result.duration[0, 1] == pytest.approx(metres[0] / (15 / 3.6) + SIDE_M / (25 / 3.6))
    assert result.distance[1, 2] == 0.0 and result.duration[1, 2] == 0.0


def test_cache_is_invalidated_when_file_changes(tiny: Path, tmp_path: Path) -> None:
    """The cache is keyed by mtime: touching the file forces a rebuild."""
    cache = tmp_path / "cache"
    assert not RoadNetwork.from_osm(tiny, cache_dir=cache).from_cache
    assert RoadNetwork.from_osm(tiny, cache_dir=cache).from_cache
    stat = tiny.stat()
    os.utime(tiny, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert not RoadNetwork.from_osm(tiny, cache_dir=cache).from_cache


def test_corrupt_cache_is_rebuilt(tiny: Path, tmp_path: Path) -> None:
    """An unreadable cache file is ignored and replaced, not an error."""
    cache = tmp_path / "cache"
    RoadNetwork.from_osm(tiny, cache_dir=cache)
    (cache_file,) = cache.glob("*.npz")
    cache_file.write_bytes(b"not a zip file")
    rebuilt = RoadNetwork.from_osm(tiny, cache_dir=cache)
    assert not rebuilt.from_cache and rebuilt.node_count == 4
    assert RoadNetwork.from_osm(tiny, cache_dir=cache).from_cache


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default cache lives under $XDG_CACHE_HOME, outside the package."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "dispatch" / "road"
