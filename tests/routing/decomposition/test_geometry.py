"""Plane coordinates, bearings, the angular sweep and weight-balanced chunks of a sweep."""

import math

import numpy as np
import pytest

from dispatch.routing import GeoPoint, PlanarPoint
from dispatch.routing.decomposition.geometry import (
    bearings,
    chunk_by_weight,
    plane_coordinates,
    sweep_order,
)
from dispatch.routing.matrices.great_circle import haversine_metres


def is_cyclic_run(run: list[int], n: int) -> bool:
    """Whether positions form one unbroken run on a ring of n positions."""
    members = set(run)
    return sum(1 for p in members if (p + 1) % n not in members) <= 1


def test_lat_lon_become_metres_close_to_great_circle_distance():
    """Over a few km around Monaco, planar distances match great-circle metres closely."""
    rng = np.random.default_rng(7)
    lat = 43.73 + rng.uniform(-0.03, 0.03, 12)
    lon = 7.42 + rng.uniform(-0.04, 0.04, 12)
    points = [GeoPoint(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
    xy = plane_coordinates(points)
    assert xy.shape == (12, 2)
    planar = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    great = haversine_metres(np.column_stack([lat, lon]), np.column_stack([lat, lon]))
    far = great > 500
    assert far.sum() > 50 and great.max() > 3000  # pairs really are kilometres apart
    assert np.allclose(planar[far], great[far], rtol=2e-3)


def test_one_degree_of_latitude_is_about_111_km():
    """North-south spacing is in metres, not degrees or radians."""
    xy = plane_coordinates([GeoPoint(10.0, 20.0), GeoPoint(11.0, 20.0)])
    assert xy[1, 0] == pytest.approx(xy[0, 0])
    assert xy[1, 1] - xy[0, 1] == pytest.approx(111_195, rel=1e-3)


def test_planar_points_pass_through_and_empty_is_empty():
    """x/y points keep their coordinates; no points give an empty (0, 2) array."""
    xy = plane_coordinates([PlanarPoint(1.5, -2), PlanarPoint(30, 40)])
    assert xy.tolist() == [[1.5, -2.0], [30.0, 40.0]]
    assert plane_coordinates([]).shape == (0, 2)


def test_bearings_are_counter_clockwise_from_east_in_zero_to_two_pi():
    """East, north, west and south of the centre are 0, pi/2, pi and 3pi/2."""
    centre = np.array([5.0, 5.0])
    points = np.array([[9.0, 5.0], [5.0, 8.0], [1.0, 5.0], [5.0, 2.0]])
    assert bearings(points, centre) == pytest.approx(
        [0.0, math.pi / 2, math.pi, 3 * math.pi / 2])


def test_sweep_starts_after_the_widest_empty_sector():
    """The widest gap (here between 0.2 and 4.0 rad) lies between the last and first."""
    angles = np.array([4.1, 0.2, 4.0, 0.1])
    assert sweep_order(angles).tolist() == [2, 0, 3, 1]


def test_sweep_starts_at_smallest_angle_when_widest_gap_wraps_past_zero():
    """When the widest gap spans angle 0, the sweep is plain ascending order."""
    assert sweep_order(np.array([3.1, 0.1, 3.0, 0.2])).tolist() == [1, 3, 2, 0]


def test_sweep_of_random_angles_puts_the_widest_gap_at_the_border():
    """Consecutive angles in the sweep are increasing; the wrap-around gap is the widest."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        angles = rng.uniform(0, 2 * math.pi, 15)
        order = sweep_order(angles)
        assert sorted(order.tolist()) == list(range(15))
        swept = angles[order]
        gaps = np.mod(np.diff(np.append(swept, swept[0])), 2 * math.pi)
        assert gaps[-1] == pytest.approx(gaps.max())


def test_sweep_of_fewer_than_two_angles():
    assert sweep_order(np.array([])).tolist() == []
    assert sweep_order(np.array([2.0])).tolist() == [0]


@pytest.mark.parametrize("offset", [0.0, 0.3, 0.77])
def test_chunks_cover_every_position_once_in_balanced_cyclic_runs(offset):
    """``parts`` runs, each one unbroken stretch of the ring, within one item of the mean."""
    rng = np.random.default_rng(5)
    for n, parts in [(37, 5), (20, 3), (9, 2)]:
        weights = rng.integers(1, 3, n).tolist()
        runs = chunk_by_weight(weights, parts, offset)
        assert len(runs) == parts
        assert sorted(p for run in runs for p in run) == list(range(n))
        mean = sum(weights) / parts
        for run in runs:
            assert is_cyclic_run(run, n), run
            assert abs(sum(weights[p] for p in run) - mean) <= max(weights)


def test_chunks_of_equal_weights_without_offset_are_plain_runs():
    assert chunk_by_weight([1] * 12, 3) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


def test_offset_moves_the_borders_by_that_fraction_of_a_part():
    """Half a part of offset moves each border two positions of four back."""
    runs = chunk_by_weight([1] * 12, 3, offset=0.5)
    assert runs == [[0, 1, 10, 11], [2, 3, 4, 5], [6, 7, 8, 9]]
    assert chunk_by_weight([1] * 12, 3, offset=1.0) == chunk_by_weight([1] * 12, 3)


def test_chunk_edge_cases():
    """Nothing gives nothing; more parts than items gives one item each; at least one part."""
    assert chunk_by_weight([], 4) == []
    assert chunk_by_weight([1, 2, 1], 10) == [[0], [1], [2]]
    assert chunk_by_weight([1, 2, 1], 0) == [[0, 1, 2]]
    assert chunk_by_weight([3], 1) == [[0]]
