"""A simulated day through the real services: everything ordered is delivered, every
timestamp is the simulated clock's, and the same seed gives the same day."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch.fleet.models import Driver
from dispatch.orders.models import Order, OrderEvent
from dispatch.planning.models import Plan
from dispatch.planning.snapshot import order_skills
from dispatch.returns.models import Return
from dispatch.sim.kpis import day_kpis
from dispatch.sim.run import SimOptions, simulate
from dispatch.stoplists.models import DriverRoute, RouteStop, StopEvent
from tests.sim.support import QUICK, RETURNS, small_day

OPTIONS = SimOptions(seed=3, solution_limit=5)


def test_a_small_day_delivers_its_orders_on_time(database):
    """Eleven orders; one is for the hot-bag courier's lunch break (12:00-12:30) and its
    window cannot be met by anyone: waves serve it all the same, late."""
    run = simulate(database, small_day(), OPTIONS)
    kpis = day_kpis(run)
    assert kpis.orders == 11 and kpis.refused == 0
    assert kpis.delivered == 11 and kpis.undelivered == 0
    assert kpis.on_time_rate == 10 / 11 and kpis.lateness_mean_min > 0
    assert kpis.first_attempt_success == 1.0
    assert kpis.km_per_order > 0 and 0 < kpis.driver_utilisation < 1
    assert kpis.eta_samples > 0
    with database.read_uow() as uow:
        stamps = list(uow.db.scalars(select(OrderEvent.created_at)))
        stamps += list(uow.db.scalars(select(StopEvent.occurred_at)))
        plans = uow.db.scalars(select(Plan.status)).all()
        planned_service = set(uow.db.scalars(select(RouteStop.service_seconds)))
    day = run.day_start
    # Plans time each doorstep at the scenario's average, as its operator would set it.
    assert planned_service == {run.scenario.service_minutes.mean * 60}
    assert stamps and all(day <= at < day + timedelta(days=1) for at in stamps)
    assert plans and set(plans) == {"committed"}


def _history(database):
    with database.read_uow() as uow:
        return uow.db.execute(select(OrderEvent.order_id, OrderEvent.to_status,
                                     OrderEvent.created_at).order_by(OrderEvent.id)).all()


def _returns(database):
    with database.read_uow() as uow:
        return uow.db.execute(select(Return.order_id, Return.status, Return.resolution,
                                     Return.created_at, Return.refund_minor)
                              .order_by(Return.id)).all()


def test_the_same_seed_gives_the_same_day(sqlite_template, tmp_path):
    """Orders, returns and the notifications sent about them, KPI for KPI."""
    days = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        database = sqlite_template.fresh(tmp_path / name)
        run = simulate(database, small_day(travel_time_cv=0.3, not_home_rate=0.2,
                                           returns=RETURNS),
                       replace(QUICK, until_minute=13 * 60))
        days.append((_history(database), _returns(database), day_kpis(run)))
        database.dispose()
    assert days[0][1] and days[0][2].notifications_sent > 0
    assert days[0] == days[1]


def test_a_failed_attempt_comes_back_in_a_later_wave(sqlite_database):
    """Deliveries and return pickups alike: the customer was out, a later wave sends a
    driver again."""
    run = simulate(sqlite_database, small_day(not_home_rate=0.5, returns=RETURNS), QUICK)
    kpis = day_kpis(run)
    assert kpis.first_attempt_success < 1.0
    with sqlite_database.read_uow() as uow:
        retried = uow.db.scalars(select(Order.id).where(Order.delivery_attempts > 1)).all()
        pickups = uow.db.execute(select(RouteStop.return_id, RouteStop.status)
                                 .where(RouteStop.kind == "pickup")).all()
    assert retried
    missed = {ret for ret, status in pickups if status == "failed"}
    collected = {ret for ret, status in pickups if status == "completed"}
    assert missed & collected and kpis.returns_picked_up == len(collected)


def test_the_day_can_stop_early(sqlite_database):
    run = simulate(sqlite_database, small_day(), SimOptions(seed=3, solution_limit=5, until_minute=12 * 60))
    assert run.ended == run.day_start + timedelta(hours=12)
    with sqlite_database.read_uow() as uow:
        latest = uow.db.scalar(select(OrderEvent.created_at).order_by(
            OrderEvent.created_at.desc()).limit(1))
    assert latest <= run.ended


def test_the_greedy_baseline_sends_each_order_alone(sqlite_database):
    """First come first served, one order per trip, late orders sent anyway: every
    committed route has exactly one stop, everything accepted is delivered, and each order
    went with a driver equipped for it (hot food in a hot bag)."""
    run = simulate(sqlite_database, small_day(), SimOptions(seed=3, policy="greedy"))
    kpis = day_kpis(run)
    assert kpis.delivered == kpis.orders - kpis.refused
    with sqlite_database.read_uow() as uow:
        per_route = uow.db.execute(
            select(RouteStop.route_id, func.count()).group_by(RouteStop.route_id)).all()
        carried = uow.db.execute(
            select(RouteStop.order_id, Driver.skills)
            .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
            .join(Driver, Driver.id == DriverRoute.driver_id)).all()
        needs = order_skills(uow.db, [order_id for order_id, _ in carried])
    assert per_route and {count for _, count in per_route} == {1}
    assert any(needs.values())  # some orders needed a hot bag
    assert all(needs[order_id] <= set(skills or ()) for order_id, skills in carried)


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="policy: expected one of planned, greedy"):
        simulate(None, small_day(), SimOptions(policy="random"))


def test_a_scenario_runs_its_waves_its_own_way():
    """The grocer's waves look a slot ahead and keep a margin; the kitchen's leave at once;
    both time doorsteps as their scenario says, the grocer's by weight too (the demo
    serves with the same)."""
    from dispatch.scenarios.loading import load_scenario
    from dispatch.sim.run import scenario_settings
    from tests.cli.test_cli import ROOT

    grocer = scenario_settings(load_scenario(ROOT / "scenarios" / "grocery-sameday.yaml"))
    kitchen = scenario_settings(load_scenario(ROOT / "scenarios" / "restaurant-lunch.yaml"))
    assert (grocer["wave_horizon_minutes"], grocer["wave_close_margin_minutes"],
            grocer["wave_depart_now"], grocer["service_seconds_default"],
            grocer["service_seconds_per_kg"]) == (30, 20, False, 120, 6)
    assert (kitchen["wave_horizon_minutes"], kitchen["wave_depart_now"],
            kitchen["wave_close_margin_minutes"], kitchen["service_seconds_default"],
            kitchen["service_seconds_per_kg"]) == (None, True, 5, 150, 0)
    assert grocer["wave_serve_late"] and kitchen["wave_serve_late"]
