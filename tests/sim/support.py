"""A small scenario day for simulator tests: one kitchen planning a wave every quarter
hour, three bikes, about a dozen orders over two hours, no noise unless asked."""

from __future__ import annotations

from typing import Any

from dispatch.scenarios.loading import scenario_from_dict
from dispatch.scenarios.schema import Scenario
from dispatch.sim.run import SimOptions
from tests.scenarios.support import minimal

RETURNS = {"return_rate": 1.0, "exchange_share": 0.5,
           "reasons": {"damaged": 1, "no_longer_needed": 2},
           "after_minutes": {"mean": 10, "spread": 5}}
"""Every delivered order comes back ten minutes or so later: ``small_day(returns=RETURNS)``."""


QUICK = SimOptions(seed=3, solution_limit=5, plan_time_limit=1.0)
"""Seed 3, reproducible plans, and a short limit for the late waves in which nothing fits
any more: such a search finds no solutions to count and runs to its time limit."""


def small_day(**noise: Any) -> Scenario:
    data = minimal()
    data["depots"][0]["batching"] = {"kind": "periodic", "every_minutes": 15}
    data["demand"]["rate"] = [{"from": "11:00", "to": "12:00", "per_hour": 5},
                              {"from": "12:00", "to": "13:00", "per_hour": 7}]
    data["demand"]["payment"] = {"card": 0.5, "cash": 0.5, "declined": 0.0}
    data["noise"] = {"travel_time_cv": 0.0, "service_time_cv": 0.0, "not_home_rate": 0.0,
                     **noise}
    return scenario_from_dict(data, source="small-day")
