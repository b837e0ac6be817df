"""The console snapshot: what the dispatcher map draws, read in one go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.console.snapshot import snapshot
from dispatch.orders.models import Order
from dispatch.tracking.locations import PingIn, record_ping
from tests.planning.plans_support import on_shift
from tests.support.routes import publish_route, ready_order
from tests.support.world import CASINO, MONACO
from tests.tracking.test_eta import LARVOTTO


def test_the_snapshot_holds_warehouses_orders_drivers_and_routes(database, world):
    on_shift(database, world, "ana")
    first = ready_order(database, world, where=CASINO)
    second = ready_order(database, world, where=LARVOTTO, email="leo@example.com")
    waiting = ready_order(database, world, where=CASINO, email="ines@example.com")
    route_id = publish_route(database, world, "ana", [first, second])
    record_ping(database.uow(), world.drivers["ana"],
                PingIn(lat=MONACO[0], lon=MONACO[1], timestamp=datetime.now(UTC)))

    snap = snapshot(database.uow())

    assert {w.code for w in snap.warehouses} == set(world.warehouses)
    statuses = {o.id: o.status for o in snap.orders}
    assert statuses[first] == statuses[second] == "planned" and statuses[waiting] == "ready"
    [route] = snap.routes
    assert route.id == route_id and route.driver_id == world.drivers["ana"]
    assert [s.order_id for s in route.stops] == [first, second]
    assert route.kpis.stops == route.kpis.open_stops == 2 and route.kpis.late_stops == 0
    ana = next(d for d in snap.drivers if d.id == world.drivers["ana"])
    bruno = next(d for d in snap.drivers if d.id == world.drivers["bruno"])
    assert ana.on_shift and not bruno.on_shift
    assert (ana.position.lat, ana.position.lon) == MONACO and bruno.position is None


def test_one_warehouse_only(database, world):
    ready_order(database, world, where=CASINO)
    nice = world.warehouses["NCE"]
    snap = snapshot(database.uow(), warehouse_id=nice)
    assert snap.orders == [] and all(d.warehouse_id == nice for d in snap.drivers)


def test_orders_that_ended_long_ago_leave_the_map(database, world):
    order_id = ready_order(database, world, where=CASINO)
    with database.uow() as uow:
        order = uow.db.get(Order, order_id)
        order.status = "cancelled"
        uow.commit()
    assert [o.id for o in snapshot(database.uow()).orders] == [order_id]
    later = datetime.now(UTC) + timedelta(hours=13)
    assert snapshot(database.uow(), now=later).orders == []


def test_a_large_day_is_cut_at_the_limit_and_says_so(database, world):
    for i in range(3):
        ready_order(database, world, where=CASINO, email=f"c{i}@example.com")
    snap = snapshot(database.uow(), max_orders=2)
    assert len(snap.orders) == 2 and snap.orders_truncated


def test_orders_held_by_fraud_screening_are_listed_with_their_reasons(database, world):
    from dispatch.fraud.screening import Screening
    from dispatch.orders.placement import place_order
    from dispatch.orders.schemas import OrderCreate
    from tests.support.world import order_body

    spots = [CASINO, LARVOTTO, MONACO, (43.7290, 7.4150)]
    for i, where in enumerate(spots):
        placed = place_order(database.uow(), OrderCreate.model_validate(
            order_body(card="tok_visa_card1", email=f"h{i}@example.com", where=where)),
            world.principals["dispatcher"], geocoder=None, currency="EUR",
            delivery_fee_minor=350, screening=Screening(models=None))
    [hold] = snapshot(database.uow()).holds
    assert (hold.id, hold.customer, hold.total_minor) == (placed.id, "Marie Curie",
                                                          placed.total_minor)
    assert hold.score >= 0.6 and hold.reasons[0].startswith("4 orders on this card")
    assert snapshot(database.uow(), warehouse_id=world.warehouses["NCE"]).holds == []
