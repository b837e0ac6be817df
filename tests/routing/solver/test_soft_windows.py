"""Soft window closes: work that can no longer be on time is served late, as little late
as the routes allow, instead of being dropped."""

from __future__ import annotations

import pytest

from dispatch.routing import Problem, SolveParams, Stop, TimeWindow, evaluate, solve

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


def _a_served_at(**timing) -> float:
    """When A is served: the van ends its day at (200, 0), so the shortest way serves B at
    (0, 100) first and A, at (100, 0), at 241 s."""
    stops = [order("A", 100, windows=(TimeWindow(0, 450),), **timing), order("B", 0, 100)]
    problem = Problem([van(end=at(200))], stops)
    solution = solve(problem, FAST)
    assert evaluate(problem, plan_of(solution)).violations == ()
    return {v.stop_id: v.start for v in solution.routes[0].visits}["A"]


def test_a_close_margin_keeps_slack_before_the_close():
    """A at 241 s is within its window but not 300 s before its close; with that margin
    asked for, A comes first."""
    assert _a_served_at() == pytest.approx(241.4, abs=1.0)
    assert _a_served_at(close_margin=300.0, margin_cost_per_hour=3600.0) == pytest.approx(
        100.0, abs=1.0)


def test_the_margin_is_given_up_rather_than_the_stop():
    """The stop can only be reached inside its margin: it is served there, at a price."""
    problem = Problem([van()], [order("x", 400, windows=(TimeWindow(0, 450),),
                                      close_margin=200.0, margin_cost_per_hour=3600.0)])
    solution = solve(problem, FAST)
    assert all_served(problem, solution)
    replay = evaluate(problem, plan_of(solution))
    assert replay.violations == ()
    assert replay.cost == pytest.approx(0.8 + 150.0, abs=2.0)  # 150 s into the margin


def test_a_stop_out_of_reach_is_settled_without_searching_to_the_time_limit():
    """Nobody can get there in its window: it is reported at once, whatever the time
    limit (the search would find nothing better, and used to run until the limit)."""
    problem = Problem([van()], [order("far", 5000, windows=(TimeWindow(0, 60),)),
                                order("near", 100)])
    solution = solve(problem, SolveParams(time_limit=30, solution_limit=5, workers=1))
    assert [u.stop_id for u in solution.unassigned] == ["far"]
    assert solution.stats["seconds"] < 10  # of the 30 allowed


def test_a_promise_keeps_the_order_a_customer_was_told():
    """A's customer was promised service by 120 s: A comes first, and plan mode prices a
    promise broken."""
    assert _a_served_at(promised_by=120.0) == pytest.approx(241.4, abs=1.0)  # costs nothing
    assert _a_served_at(promised_by=120.0, promise_cost_per_hour=3600.0) == pytest.approx(
        100.0, abs=1.0)
    broken = Problem([van(end=at(200))], [
        order("A", 100, windows=(TimeWindow(0, 450),), promised_by=120.0,
              promise_cost_per_hour=3600.0, close_margin=400.0, margin_cost_per_hour=1e6),
        order("B", 0, 100)])
    replay = evaluate(broken, {"van-1": ["B", "A"]})
    # 341 m of driving, 121 s past the promise at 3600 an hour; the margin is not priced.
    assert replay.cost == pytest.approx(0.34 + 121.4, abs=0.1)


def test_a_lost_window_is_priced_as_late_not_as_a_broken_promise():
    stop = order("x", 400, windows=(TimeWindow(0, 100),), late_cost_per_hour=10.0,
                 promised_by=50.0, promise_cost_per_hour=1e6)
    assert not stop.keeps_promise and stop.timing_cost(400.0) == 0.0


@pytest.mark.parametrize("field, bad", [("promised_by", float("nan")),
                                        ("promised_by", float("inf")),
                                        ("promise_cost_per_hour", -1.0)])
def test_a_promise_must_be_a_number(field, bad):
    with pytest.raises(ValueError, match=field):
        Stop("x", at(1), **{field: bad})
