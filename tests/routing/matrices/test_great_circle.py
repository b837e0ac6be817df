"""Great-circle and Euclidean matrix providers."""

import time

import numpy as np
import pytest
from geopy.distance import great_circle

from dispatch.routing import EuclideanMatrix, GeoPoint, GreatCircleMatrix, PlanarPoint
from dispatch.routing.matrices.great_circle import SpeedProfile


def test_great_circle_matches_geopy():
    """With detour 1 the matrix equals geopy's great_circle distance for every pair."""
    rng = np.random.default_rng(3)
    points = [GeoPoint(float(a), float(b)) for a, b in
              zip(rng.uniform(-60, 60, 25), rng.uniform(-170, 170, 25), strict=True)]
    matrix = GreatCircleMatrix(detour=1.0).matrix(points)
    for i in range(0, 25, 4):
        for j in range(25):
            expected = great_circle((points[i].lat, points[i].lon),
                                    (points[j].lat, points[j].lon)).meters
            assert matrix.distance[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_detour_scales_distance_and_duration_follows_speed():
    """The detour multiplies distance; duration is distance over the profile's speed."""
    points = [GeoPoint(43.73, 7.41), GeoPoint(43.80, 7.50)]
    plain = GreatCircleMatrix(detour=1.0).matrix(points)
    bent = GreatCircleMatrix(detour=1.4).matrix(points)
    assert bent.distance[0, 1] == pytest.approx(1.4 * plain.distance[0, 1])
    metres = bent.distance[0, 1]
    assert metres > 5000
    assert bent.duration[0, 1] == pytest.approx(metres / (30 / 3.6))


def test_speed_profile_is_slower_for_short_trips():
    """Short trips use the slower band."""
    seconds = SpeedProfile().seconds(np.array([500.0, 20_000.0]))
    assert seconds[0] / 500 > seconds[1] / 20_000


def test_five_thousand_points_build_quickly():
    """Vectorised: 5,000 points build (sanity bound, not a benchmark) in a few seconds."""
    rng = np.random.default_rng(0)
    points = [GeoPoint(float(a), float(b)) for a, b in
              zip(rng.uniform(43.6, 43.8, 5000), rng.uniform(7.2, 7.5, 5000), strict=True)]
    started = time.perf_counter()
    matrix = GreatCircleMatrix().matrix(points)
    assert matrix.size == 5000
    assert time.perf_counter() - started < 30


def test_great_circle_refuses_planar_points():
    """Planar points are not lat/lon."""
    with pytest.raises(ValueError, match="lat/lon"):
        GreatCircleMatrix().matrix([PlanarPoint(0, 0)])


def test_detour_below_one_is_refused():
    """A detour factor under 1 would make roads shorter than straight lines."""
    with pytest.raises(ValueError, match="detour"):
        GreatCircleMatrix(detour=0.9)


def test_euclidean_is_unrounded_and_speed_one():
    """Benchmark convention: distance is the exact norm and duration equals it."""
    matrix = EuclideanMatrix().matrix([PlanarPoint(0, 0), PlanarPoint(1, 1)])
    assert matrix.distance[0, 1] == pytest.approx(2**0.5, abs=1e-15)
    assert matrix.duration[0, 1] == matrix.distance[0, 1]
