"""Operation scenarios: one day of a delivery business as a YAML file, checked on load,
and the seeded demand and behaviour a day simulator plays through the service layer.

A pure library (no web framework, no database)::

    from dispatch.scenarios import Behaviour, generate_orders, load_scenario

    scenario = load_scenario("scenarios/restaurant-lunch.yaml")
    orders = generate_orders(scenario, seed=1, day_start=scenario.day_start(date(2026, 11, 26)))
    behaviour = Behaviour(scenario, seed=1)
"""

from dispatch.scenarios.behaviour import Behaviour, ReturnRequest
from dispatch.scenarios.clock import Clock
from dispatch.scenarios.demand import Customer, OrderArrival, generate_orders
from dispatch.scenarios.loading import ScenarioError, load_scenario, scenario_from_dict
from dispatch.scenarios.schema import Scenario

__all__ = ["Behaviour", "Clock", "Customer", "OrderArrival", "ReturnRequest", "Scenario",
           "ScenarioError", "generate_orders", "load_scenario", "scenario_from_dict"]
