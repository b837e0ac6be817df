"""The demo `make run` serves: the restaurant-lunch scenario, slid onto the real clock,
seeded through the services, with a lunch in progress a dispatcher can plan right away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dispatch.auth.roles import Role
from dispatch.auth.service import principal_for_token
from dispatch.db.base import utcnow
from dispatch.demo.day import DEFAULT_SCENARIO, demo_day_start
from dispatch.demo.seed import seed_demo
from dispatch.fleet.models import Driver, DriverShift
from dispatch.orders.models import Order, OrderLine
from dispatch.planning import service, worker
from dispatch.planning.schemas import PlanCreate
from dispatch.planning.waves import get_policy
from dispatch.scenarios.loading import load_scenario
from dispatch.stock.models import Sku, StockLevel, Warehouse

SCENARIO = load_scenario(DEFAULT_SCENARIO)
MONACO = ZoneInfo("Europe/Monaco")


@pytest.fixture
def demo_settings(settings, tmp_path):
    return settings.model_copy(update={"notification_log_path": str(tmp_path / "n.log")})


def _statuses(database) -> dict[str, int]:
    with database.read_uow() as uow:
        return dict(uow.db.execute(select(Order.status, func.count()).group_by(Order.status)).all())


def test_the_demo_day_puts_the_first_order_time_at_now():
    """The scenario's 11:30 (its first orders) lands on now rounded down to ten minutes,
    in the scenario's time zone; so the 11:15 shifts began a quarter of an hour ago."""
    now = datetime(2026, 3, 2, 16, 7, 41, tzinfo=MONACO)
    start = demo_day_start(SCENARIO, now)
    assert start == datetime(2026, 3, 2, 4, 30, tzinfo=MONACO)
    assert start + timedelta(hours=11, minutes=30) == datetime(2026, 3, 2, 16, 0, tzinfo=MONACO)
    late = demo_day_start(SCENARIO, datetime(2026, 3, 2, 22, 59, tzinfo=UTC))  # 23:59 local
    assert late + timedelta(hours=11, minutes=30) == datetime(2026, 3, 2, 23, 50, tzinfo=MONACO)


def test_the_first_run_seeds_the_scenarios_operation(database, demo_settings):
    """Kitchen, catalogue, opening stock, bikes with skills and speed, shifts around now,
    the scenario's batching, and working tokens for every role."""
    before = utcnow()
    demo = seed_demo(database, demo_settings, orders=12)
    assert demo.seeded
    with database.read_uow() as uow:
        db = uow.db
        kitchen = db.execute(select(Warehouse.id, Warehouse.name, Warehouse.lat,
                                    Warehouse.lon)).one()
        drivers = db.execute(select(Driver.id, Driver.name, Driver.skills, Driver.vehicle,
                                    Driver.speed_factor).order_by(Driver.id)).all()
        shifts = db.execute(select(DriverShift.driver_id, DriverShift.starts_at,
                                   DriverShift.ends_at)).all()
        on_hand = dict(db.execute(select(Sku.code, StockLevel.on_hand)
                                  .join(StockLevel, StockLevel.sku_id == Sku.id)).all())
        reserved = db.scalar(select(func.sum(StockLevel.reserved)))
        ordered = db.scalar(select(func.sum(OrderLine.quantity)))
        principals = {role: principal_for_token(db=db, token=token)
                      for role, token in demo.tokens.items()}
    depot = SCENARIO.depots[0]
    assert tuple(kitchen)[1:] == (depot.name, depot.lat, depot.lon)
    assert [d.name for d in drivers] == [n for g in SCENARIO.fleet for n in g.names()]
    assert [d.skills for d in drivers] == [["hot-bag"]] * 6
    assert {d.speed_factor for d in drivers} == {0.8} and {d.vehicle for d in drivers} == {"bike"}
    assert on_hand == dict(SCENARIO.catalogue.opening_stock["kitchen"])
    assert reserved == ordered > 0
    # Shifts 11:15-14:30 on the demo day: begun before now, three hours or so to go.
    assert len(shifts) == 6
    for _, starts_at, ends_at in shifts:
        assert starts_at <= before and ends_at - starts_at == timedelta(hours=3, minutes=15)
        assert demo.opens_at - starts_at == timedelta(minutes=15)
    assert before - demo.opens_at < timedelta(minutes=10)
    policy = get_policy(database.uow(), kitchen.id)
    assert (policy.kind, policy.every_minutes) == ("periodic", 5)
    assert list(demo.tokens)[:3] == ["admin", "dispatcher", "operator"]
    assert {p.role for p in principals.values()} == set(Role)
    assert principals["driver bike-1"].driver_id == drivers[0].id


def test_a_lunch_is_in_progress_and_a_wave_can_be_planned(database, demo_settings):
    """12 orders with windows still to come: the first wave took 3 out, 3 are ready for
    the next, 6 are being prepared; a dispatcher's plan routes the ready ones."""
    demo = seed_demo(database, demo_settings, orders=12)
    assert (demo.lunch.placed, demo.lunch.on_routes, demo.lunch.ready) == (12, 3, 3)
    assert _statuses(database) == {"planned": 3, "ready": 3, "confirmed": 6}
    with database.read_uow() as uow:
        earliest = uow.db.scalar(select(func.min(Order.window_start)))
        tracked = uow.db.scalar(select(Order.status).where(
            Order.tracking_token == demo.tracking_token))
        ready = set(uow.db.scalars(select(Order.id).where(Order.status == "ready")))
        with_route = demo.driver_on_route.removeprefix("driver ")
        principal = principal_for_token(db=uow.db, token=demo.tokens["dispatcher"])
        kitchen = uow.db.scalar(select(Warehouse.id))
    assert earliest > utcnow()
    assert tracked == "planned" and with_route in {n for g in SCENARIO.fleet for n in g.names()}
    cmd = PlanCreate(warehouse_ids=[kitchen], time_limit_seconds=5)
    queued = service.request_plan(
        database, cmd, principal, demo_settings.model_copy(update={"plan_solution_limit": 50}),
        runner=worker.run_inline)
    plan = service.get_plan(database, queued.id)
    assert plan.status == "done" and plan.unassigned == []
    routed = {stop.order_id for route in plan.routes for stop in route.stops}
    assert ready <= routed and len(routed) == 6


def test_later_runs_keep_the_data_and_renew_tokens_and_shifts(database, demo_settings):
    """A second run the same day changes nothing but the tokens; a run the next day puts
    every driver back on a shift covering then, without touching the orders."""
    first = seed_demo(database, demo_settings, orders=6)
    again = seed_demo(database, demo_settings, orders=6)
    assert not again.seeded and again.lunch is None and again.shifts_added == 0
    assert again.tokens.keys() == first.tokens.keys()
    statuses = _statuses(database)
    assert sum(statuses.values()) == 6
    with database.read_uow() as uow:
        assert principal_for_token(db=uow.db, token=first.tokens["dispatcher"]) is None
        assert principal_for_token(db=uow.db, token=again.tokens["dispatcher"]) is not None
    tomorrow = utcnow() + timedelta(days=1)
    later = seed_demo(database, demo_settings, now=tomorrow)
    assert later.shifts_added == 6 and _statuses(database) == statuses
    with database.read_uow() as uow:
        covering = uow.db.scalar(select(func.count(func.distinct(DriverShift.driver_id))).where(
            DriverShift.starts_at <= tomorrow, DriverShift.ends_at > tomorrow))
    assert covering == 6
