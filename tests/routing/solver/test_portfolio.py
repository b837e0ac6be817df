"""A strategy whose first search finds no plan within its share of the time gets the rest
of the time to construct one: a plan comes before any improvement."""

from __future__ import annotations

from dispatch.routing import Problem, SolveParams
from dispatch.routing.matrices import EuclideanMatrix
from dispatch.routing.solver import portfolio
from dispatch.routing.solver.strategies import PORTFOLIO

from .helpers import order, van


def test_a_first_search_without_a_plan_is_given_the_time_left(monkeypatch):
    problem = Problem([van("van-1")], [order(f"order-{i}", 5 * i, 3) for i in range(1, 6)])
    limits = []
    real = portfolio.run_search

    def first_one_finds_nothing(*args, **kwargs):
        limits.append(kwargs["time_limit"])
        return None if len(limits) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(portfolio, "run_search", first_one_finds_nothing)
    params = SolveParams(time_limit=2.0, objective="cost", solution_limit=20, workers=1)
    result = portfolio.run_strategy(problem, EuclideanMatrix().matrix(problem.locations),
                                    params, PORTFOLIO[0], 2.0)
    assert result is not None and sum(len(s) for s in result.plan.values()) == 5
    assert limits[0] == 2.0 and 1.5 < limits[1] <= 2.0  # its share, then what was left
