"""Scheduler passes on both databases: a wave starts only when due and none is in flight,
the finished wave is committed (one real solve per database), refusals are left for a
dispatcher, and two processes cannot start the same wave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch.orders.models import Order, OrderEvent
from dispatch.planning import waves
from dispatch.planning.models import Plan
from dispatch.stoplists.models import DriverRoute
from tests.planning.plans_support import SOLVE_SECONDS, on_shift, wait_for_worker
from tests.planning.waves_support import plan_row, read_plan, set_policy, wave_settings
from tests.support.routes import ready_order

MINUTE = timedelta(minutes=1)
WAVE = {"trigger": "test", "auto_commit": True}


@pytest.fixture(autouse=True)
def idle_worker():
    wait_for_worker()
    yield
    wait_for_worker()


def _plans(database) -> list[Plan]:
    with database.uow() as uow:
        plans = list(uow.db.scalars(select(Plan).order_by(Plan.id)))
        uow.db.expunge_all()
        return plans


def test_a_due_wave_is_planned_by_the_system_and_committed_when_done(database, world):
    ana_shift = on_shift(database, world, "ana")
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    set_policy(database, mc, kind="threshold", min_ready=1)
    order_id = ready_order(database, world)
    settings = wave_settings(database, plan_time_limit_default=SOLVE_SECONDS)
    (plan_id,) = waves.run_due_waves(database, settings, now=datetime.now(UTC))
    plan = read_plan(database, plan_id)
    assert plan.warehouse_ids == [mc] and nce not in plan.warehouse_ids
    assert plan.requested_by_user_id is None and plan.driver_ids == [world.drivers["ana"]]
    assert plan.params["wave"] == {"trigger": "1 order ready (threshold 1)", "auto_commit": True}
    assert plan.params["time_limit_seconds"] == SOLVE_SECONDS
    # In flight (or, if already done, committed by this pass): no second wave either way.
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []
    wait_for_worker()
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []
    assert [p.id for p in _plans(database)] == [plan_id]
    plan = read_plan(database, plan_id)
    assert plan.status == "committed" and "commit_refused" not in plan.params["wave"]
    with database.uow() as uow:
        (route,) = uow.db.scalars(select(DriverRoute)).all()
        assert (route.plan_id, route.driver_id, route.shift_id, route.status) == (
            plan_id, world.drivers["ana"], ana_shift, "active")
        assert [s.order_id for s in route.stops] == [order_id]
        order = uow.db.get(Order, order_id)
        assert (order.status, order.driver_id) == ("planned", world.drivers["ana"])
        event = uow.db.scalars(select(OrderEvent).where(
            OrderEvent.order_id == order_id, OrderEvent.to_status == "planned")).one()
        assert event.actor_user_id is None and event.reason == f"plan {plan_id}"
    assert not waves.wave_plans_in_flight(database)


def test_no_wave_when_not_due_or_one_is_in_flight(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    ready_order(database, world)
    settings = wave_settings(database)
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []  # on demand
    set_policy(database, mc, kind="threshold", min_ready=2)
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []  # 1 of 2
    set_policy(database, mc, kind="threshold", min_ready=1)
    flying = plan_row(database, [mc], "queued", wave=WAVE)
    assert waves.wave_plans_in_flight(database)
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []
    assert [p.id for p in _plans(database)] == [flying]


def test_a_wave_that_cannot_start_is_skipped_and_the_pass_goes_on(database, world, caplog):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=1)
    for i in range(2):
        ready_order(database, world, email=f"cap{i}@example.com")
    settings = wave_settings(database, plan_max_stops=1)
    assert waves.run_due_waves(database, settings, now=datetime.now(UTC)) == []
    assert "not started" in caplog.text and "2 stops" in caplog.text
    assert _plans(database) == []


def test_without_auto_commit_a_done_wave_is_left_done(database, world):
    plan_id = plan_row(database, [world.warehouses["MC"]], "done", wave=WAVE)
    settings = wave_settings(database, wave_auto_commit=False)
    waves.run_due_waves(database, settings, now=datetime.now(UTC))
    assert read_plan(database, plan_id).status == "done"
    manual = plan_row(database, [world.warehouses["MC"]], "done")  # not a wave: never touched
    waves.run_due_waves(database, wave_settings(database), now=datetime.now(UTC))
    assert read_plan(database, plan_id).status == "committed"
    assert read_plan(database, manual).status == "done"


def test_a_refused_commit_is_recorded_once_and_left_for_a_dispatcher(database, world, caplog):
    order_id = ready_order(database, world)
    stale = {"orders": {str(order_id): 0}, "returns": {}, "shifts": {}, "routes": {}}
    changed = plan_row(database, [world.warehouses["MC"]], "done", wave=WAVE, snapshot=stale)
    now = datetime.now(UTC)
    old = plan_row(database, [world.warehouses["NCE"]], "done", wave=WAVE,
                   created_at=now - 30 * MINUTE)
    settings = wave_settings(database)
    waves.run_due_waves(database, settings, now=now)
    refused = read_plan(database, changed)
    assert refused.status == "done" and "changed since plan" in refused.params["wave"][
        "commit_refused"]
    assert f"'id': {order_id}" in refused.params["wave"]["commit_refused"]
    too_old = read_plan(database, old)
    assert too_old.status == "done" and "more than 10 min ago" in too_old.params["wave"][
        "commit_refused"]
    assert "left for a dispatcher" in caplog.text
    waves.run_due_waves(database, settings, now=now)  # not tried again
    assert read_plan(database, changed).version == refused.version
    assert read_plan(database, old).version == too_old.version


def test_two_processes_cannot_start_the_same_wave(database, world):
    """On PostgreSQL the warehouse's advisory lock admits one starter; SQLite serves a
    single process, so there is nothing to take."""
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=1)
    ready_order(database, world)
    settings = wave_settings(database)
    postgres = database.engine.dialect.name == "postgresql"
    with database.uow() as other:
        assert waves._locked(other.db, mc)
        if postgres:
            with database.uow() as mine:
                assert not waves._locked(mine.db, mc)
                assert waves._locked(mine.db, world.warehouses["NCE"])  # one per warehouse
            assert waves._start_wave(database, settings, mc, datetime.now(UTC)) is None
            assert _plans(database) == []
    with database.uow() as mine:  # released with the other transaction
        assert waves._locked(mine.db, mc)
