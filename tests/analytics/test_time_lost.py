"""Where the time went, stop by stop, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.kpi_facts import Keys
from dispatch.analytics.time_lost import StopVisit, grouped_time_lost, time_lost, worst_routes

T = datetime(2026, 11, 2, 9, 45, tzinfo=UTC)
M = timedelta(minutes=1)
ANA_MONDAY = Keys(day="2026-11-02", driver=1)


def visit(left: float, planned: float, arrived: float, opens: float, finished: float, *,
          closes: float = 120, service: float = 3, eta: float | None = None, route: int = 1,
          keys: Keys = ANA_MONDAY) -> StopVisit:
    """Times in minutes after T."""
    return StopVisit(keys, route, T + left * M, T + arrived * M, T + finished * M,
                     T + opens * M, T + closes * M, planned * 60, service * 60,
                     T + (eta if eta is not None else opens) * M)


def test_slow_traffic_after_the_window_opened_is_driving_lost():
    v = visit(left=15, planned=10, arrived=35, opens=20, finished=38)
    assert (v.wait_seconds, v.drive_seconds, v.service_seconds) == (0, 20 * 60, 3 * 60)


def test_idling_round_the_corner_before_an_early_window_is_waiting():
    """Left at 0 for a 3.4-minute leg, arrived exactly at the 15-minute opening."""
    v = visit(left=0, planned=3.4, arrived=15, opens=15, finished=17)
    assert v.wait_seconds == pytest.approx(11.6 * 60)
    assert v.drive_seconds == pytest.approx(3.4 * 60)


def test_slowness_absorbed_by_slack_costs_nothing_and_speed_shows_as_a_gain():
    slow = visit(left=0, planned=5, arrived=13, opens=15, finished=18)
    assert (slow.wait_seconds, slow.drive_seconds) == (10 * 60, 5 * 60)
    fast = visit(left=0, planned=10, arrived=5, opens=15, finished=18)
    assert (fast.wait_seconds, fast.drive_seconds) == (10 * 60, 5 * 60)  # 5 under plan


def test_totals_over_a_set_of_stops():
    visits = [visit(left=15, planned=10, arrived=35, opens=20, finished=38, closes=30, eta=25),
              visit(left=0, planned=5, arrived=13, opens=15, finished=20, eta=15, route=2)]
    t = time_lost(visits)
    assert (t.stops, t.late_stops) == (2, 1)
    assert (t.drive_planned_min, t.drive_actual_min, t.drive_extra_min) == (15, 25, 10)
    assert t.wait_min == 10
    assert (t.service_planned_min, t.service_actual_min, t.service_extra_min) == (6, 8, 2)
    # Plan errors: +10 (35 against 25) and 0.
    assert t.plan_error_mean_min == pytest.approx(5.0)
    assert t.plan_error_p90_min == pytest.approx(9.0)
    assert [r.route_id for r in worst_routes(visits, 5)] == [1, 2]
    assert [r.route_id for r in worst_routes(visits, 1)] == [1]


def test_groups_and_nothing_at_all():
    other = Keys(day="2026-11-03", driver=2)
    visits = [visit(0, 5, 5, 0, 8), visit(0, 5, 6, 0, 9, keys=other)]
    assert [(k, t.stops) for k, t in grouped_time_lost(visits, "driver")] == [(1, 1), (2, 1)]
    empty = time_lost([])
    assert (empty.stops, empty.drive_extra_min, empty.plan_error_mean_min) == (0, 0, None)
