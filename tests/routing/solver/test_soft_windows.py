"""Soft window closes: work that can no longer be on time is served late, as little late
as the routes allow, instead of being dropped."""

from __future__ import annotations

import pytest

from dispatch.routing import Problem, Stop, TimeWindow, evaluate, solve

from .helpers import FAST, all_served, at, order, plan_of, van


def test_hard_close_that_cannot_be_met_drops_the_stop():
    problem = Problem([van()], [order("far", 500, windows=(TimeWindow(0, 100),))])
    solution = solve(problem, FAST)
    assert [u.stop_id for u in solution.unassigned] == ["far"]


def test_soft_close_serves_the_stop_late_and_prices_the_lateness():
    problem = Problem([van()], [order("far", 500, windows=(TimeWindow(0, 100),),
                                      late_cost_per_hour=3600.0)])
    solution = solve(problem, FAST)
    assert all_served(problem, solution)
    visit = solution.routes[0].visits[0]
    assert visit.lateness == pytest.approx(400.0, abs=1.0)
    replay = evaluate(problem, plan_of(solution))
    assert replay.violations == ()
    # 1 km of driving costs 1; 400 s late at 3600 an hour costs 400.
    assert replay.cost == pytest.approx(1.0 + 400.0, abs=1.0)


def test_lateness_is_put_where_it_costs_least():
    """One van, two stops on opposite sides that both close at 150 s: one must be late, and
    it is the one whose lateness is cheaper."""
    stops = [order("cheap", 100, windows=(TimeWindow(0, 150),), late_cost_per_hour=10.0),
             order("dear", -100, windows=(TimeWindow(0, 150),), late_cost_per_hour=10_000.0)]
    solution = solve(Problem([van()], stops), FAST)
    visits = {v.stop_id: v for v in solution.routes[0].visits}
    assert visits["dear"].lateness == 0.0
    assert visits["cheap"].lateness > 0.0


def test_soft_close_is_kept_when_it_can_be():
    stops = [order(f"o{i}", 100 * i, windows=(TimeWindow(0, 2000),), late_cost_per_hour=60.0)
             for i in range(1, 5)]
    solution = solve(Problem([van()], stops), FAST)
    assert all(v.lateness == 0.0 for r in solution.routes for v in r.visits)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_late_cost_must_be_a_non_negative_number(bad):
    with pytest.raises(ValueError, match="late_cost_per_hour"):
        Stop("x", at(1), late_cost_per_hour=bad)
