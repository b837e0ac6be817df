"""Time on the road merges a re-plan's overlapping routes; distance follows the pings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.road_days import merge, path_km, ping_windows
from dispatch.common.geo import haversine_km

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_overlapping_and_touching_intervals_merge_and_gaps_stay():
    assert merge([(T + 30 * M, T + 50 * M), (T, T + 40 * M), (T + 50 * M, T + 60 * M),
                  (T + 90 * M, T + 95 * M)]) == [(T, T + 60 * M), (T + 90 * M, T + 95 * M)]
    assert merge([]) == []


def test_the_path_counts_legs_inside_each_interval_only():
    a, b, c, d = (43.73, 7.42), (43.74, 7.43), (43.75, 7.44), (43.70, 7.40)
    points = [(T, *a), (T + 5 * M, *b), (T + 20 * M, *d), (T + 31 * M, *b), (T + 40 * M, *c)]
    # Intervals [0, 10] and [30, 45]: legs a-b and b-c; the jump to d between them is not
    # driving time.
    km = path_km(points, [(T, T + 10 * M), (T + 30 * M, T + 45 * M)])
    assert km == pytest.approx(haversine_km(*a, *b) + haversine_km(*b, *c))


def test_one_ping_per_interval_is_no_path():
    points = [(T, 43.73, 7.42), (T + 40 * M, 43.74, 7.43)]
    assert path_km(points, [(T, T + 10 * M), (T + 30 * M, T + 45 * M)]) is None


def test_pings_count_from_each_departure_to_the_next_and_an_hour_past_the_last_stop():
    intervals = [(T, T + 20 * M), (T + 40 * M, T + 60 * M)]
    assert ping_windows(intervals) == [(T, T + 40 * M), (T + 40 * M, T + 120 * M)]
