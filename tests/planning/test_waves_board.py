"""The wave board on both databases: policies, decisions at a fixed ``now``, holds, and the
work that can no longer make its window. No solves here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dispatch.errors import Invalid, NotFound
from dispatch.orders.models import Order, OrderEvent
from dispatch.planning import waves
from dispatch.planning.models import Plan
from dispatch.planning.wave_schemas import BatchPolicyIn
from dispatch.stock.models import Warehouse
from tests.planning.plans_support import approved_pickup, on_shift
from tests.planning.waves_support import entry, plan_row, set_policy, wave_settings
from tests.support.routes import ready_order
from tests.support.world import NICE

MINUTE = timedelta(minutes=1)


def _ready_since(database, order_id: int) -> datetime:
    with database.uow() as uow:
        return uow.db.scalar(select(OrderEvent.created_at).where(
            OrderEvent.order_id == order_id, OrderEvent.to_status == "ready"))


def test_policies_are_stored_read_back_and_on_demand_is_null(database, world):
    mc = world.warehouses["MC"]
    assert waves.get_policy(database.uow(), mc).kind == "on_demand"
    set_policy(database, mc, kind="threshold", min_ready=4)
    read = waves.get_policy(database.uow(), mc)
    assert (read.kind, read.min_ready, read.max_wait_minutes) == ("threshold", 4, None)
    with database.uow() as uow:
        assert uow.db.get(Warehouse, mc).batch_policy == {"kind": "threshold", "min_ready": 4}
    set_policy(database, mc, kind="on_demand")
    with database.uow() as uow:
        assert uow.db.get(Warehouse, mc).batch_policy is None
    with pytest.raises(Invalid) as refused:  # a key of another kind
        set_policy(database, mc, kind="periodic", every_minutes=5, min_ready=3)
    assert refused.value.field == "min_ready"
    with pytest.raises(NotFound):
        set_policy(database, 7_654_321, kind="on_demand")
    with database.uow() as uow:  # a stored value that no longer reads is on demand
        uow.db.execute(update(Warehouse).where(Warehouse.id == mc)
                       .values(batch_policy={"kind": "hourly"}))
        uow.commit()
    assert waves.get_policy(database.uow(), mc).kind == "on_demand"


def test_periodic_is_due_every_n_minutes_after_the_latest_plan(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="periodic", every_minutes=15)
    t0 = datetime.now(UTC)
    idle = entry(database, mc, now=t0)
    assert (idle.due, idle.reason, idle.next_check) == (False, "nothing ready", None)
    ready_order(database, world)
    first = entry(database, mc, now=t0 + MINUTE)
    assert (first.due, first.reason, first.last_wave_at) == (True, "no wave yet", None)
    plan_id = plan_row(database, [mc], "committed", created_at=t0 + MINUTE)
    plan_row(database, [world.warehouses["NCE"]], "done", created_at=t0 + 10 * MINUTE)
    early = entry(database, mc, now=t0 + 15 * MINUTE)
    assert not early.due and early.reason == "14 min since the last wave (every 15 min)"
    assert early.last_plan_id == plan_id and early.last_wave_at == t0 + MINUTE
    assert early.next_check == t0 + 16 * MINUTE
    due = entry(database, mc, now=t0 + 16 * MINUTE)
    assert due.due and due.reason == "15 min since the last wave"
    assert due.next_check == t0 + 16 * MINUTE  # a due wave is checked again at once


def test_threshold_by_count_counts_orders_and_pickups(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=2)
    delivered = ready_order(database, world, email="r@example.com")
    with database.uow() as uow:  # the returned order itself no longer waits
        uow.db.execute(update(Order).where(Order.id == delivered).values(status="delivered"))
        uow.commit()
    approved_pickup(database, delivered)
    now = datetime.now(UTC)
    one = entry(database, mc, now=now)
    assert (one.ready_orders, one.ready_pickups) == (0, 1)
    assert not one.due and one.reason == "1 order ready (threshold 2)" and one.next_check is None
    ready_order(database, world)
    two = entry(database, mc, now=now)
    assert two.due and two.reason == "2 orders ready (threshold 2)"
    assert (two.ready_orders, two.ready_pickups) == (1, 1)
    nce = entry(database, world.warehouses["NCE"], now=now)
    assert nce.policy.kind == "on_demand" and nce.reason == "nothing ready"


def test_threshold_by_wait_counts_from_the_latest_move_into_ready(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", max_wait_minutes=20)
    order_id = ready_order(database, world)
    since = _ready_since(database, order_id)
    waiting = entry(database, mc, now=since + 19 * MINUTE)
    assert not waiting.due and waiting.oldest_ready_since == since
    assert waiting.reason == "oldest ready order has waited 19 min (limit 20)"
    assert waiting.next_check == since + 20 * MINUTE
    assert entry(database, mc, now=since + 20 * MINUTE).due
    again = since + 10 * MINUTE  # left out of a wave, back to ready: the clock restarts
    with database.uow() as uow:
        uow.db.add(OrderEvent(order_id=order_id, from_status="planned", to_status="ready",
                              created_at=again))
        uow.commit()
    later = entry(database, mc, now=since + 20 * MINUTE)
    assert not later.due and later.oldest_ready_since == again


def test_a_due_wave_is_held_while_a_plan_is_in_flight_without_drivers_or_too_soon(
        database, world):
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=1)
    ready_order(database, world)
    now = datetime.now(UTC)
    nobody = entry(database, mc, now=now)
    assert not nobody.due and nobody.drivers_on_shift == 0
    assert nobody.reason == "1 order ready (threshold 1); held: no driver has a shift that has not ended"
    on_shift(database, world, "ana")
    on_shift(database, world, "bruno")
    assert entry(database, mc, now=now).drivers_on_shift == 2
    flying = plan_row(database, [mc, world.warehouses["NCE"]], "running",
                      created_at=now - 30 * MINUTE)
    held = entry(database, mc, now=now)
    assert not held.due and held.plan_in_flight_id == flying and held.next_check is None
    assert held.reason.endswith(f"held: plan {flying} is running")
    with database.uow() as uow:
        uow.db.execute(update(Plan).where(Plan.id == flying).values(status="failed"))
        uow.commit()
    recent = plan_row(database, [mc], "done", created_at=now - 2 * MINUTE)
    soon = entry(database, mc, now=now)
    assert not soon.due and soon.last_plan_id == recent
    assert soon.reason.endswith("held: at most one automatic wave every 5 min")
    assert soon.next_check == now + 3 * MINUTE
    assert entry(database, mc, now=now + 3 * MINUTE).due


def test_work_that_cannot_make_its_window_is_listed_and_not_counted(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=2)
    near = ready_order(database, world, email="near@example.com")
    far = ready_order(database, world, where=NICE, email="far@example.com")
    now = datetime.now(UTC)
    with database.uow() as uow:  # both leave Monaco and close in 10 min; Nice is ~30 min away
        uow.db.execute(update(Order).where(Order.id.in_([near, far]))
                       .values(warehouse_id=mc, window_start=now - MINUTE,
                               window_end=now + 10 * MINUTE))
        uow.commit()
    row = entry(database, mc, now=now)
    assert row.ready_orders == 2 and not row.due
    assert row.reason == "1 order ready (threshold 2)"
    (lost,) = row.unmeetable
    assert lost.order_id == far and lost.return_id is None
    assert lost.window_end == now + 10 * MINUTE and lost.earliest_arrival > lost.window_end
    assert lost.reason.startswith("window ends at ") and "earliest arrival" in lost.reason


def test_serve_late_counts_lost_work_and_a_horizon_leaves_later_work_out(database, world):
    on_shift(database, world, "ana")
    mc = world.warehouses["MC"]
    set_policy(database, mc, kind="threshold", min_ready=2)
    lost = ready_order(database, world, email="lost@example.com")
    ready_order(database, world, email="soon@example.com", hours_ahead=0.5)
    ready_order(database, world, email="later@example.com", hours_ahead=3)
    now = datetime.now(UTC)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == lost)
                       .values(window_start=now - 2 * MINUTE, window_end=now - MINUTE))
        uow.commit()
    assert entry(database, mc, now=now).reason == "2 orders ready (threshold 2)"
    late = entry(database, mc, now=now, settings=wave_settings(database, wave_serve_late=True))
    assert late.due and late.reason == "3 orders ready (threshold 2)"
    near = wave_settings(database, wave_serve_late=True, wave_horizon_minutes=60)
    row = entry(database, mc, now=now, settings=near)
    assert row.ready_orders == 2 and row.reason == "2 orders ready (threshold 2)"


def test_no_van_leaves_before_the_first_shift_starts(database, world):
    on_shift(database, world, "ana", starts=timedelta(hours=2))
    mc = world.warehouses["MC"]
    order_id = ready_order(database, world)  # window ends in 3 h: still reachable
    now = datetime.now(UTC)
    assert entry(database, mc, now=now).unmeetable == []
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id)
                       .values(window_end=now + timedelta(hours=1)))
        uow.commit()
    (lost,) = entry(database, mc, now=now).unmeetable
    assert lost.order_id == order_id and lost.earliest_arrival > now + timedelta(hours=2)


def test_policy_body_types_are_strict():
    for bad in ({"kind": "periodic", "every_minutes": True},
                {"kind": "periodic", "every_minutes": "15"},
                {"kind": "threshold", "min_ready": 0}):
        with pytest.raises(ValueError):
            BatchPolicyIn.model_validate(bad)
