"""Planning on both databases: snapshot, real solves in the process pool, commit, re-plan."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dispatch.errors import Conflict, DomainError
from dispatch.events.models import OutboxEvent
from dispatch.fleet import shifts
from dispatch.orders import lifecycle
from dispatch.orders.models import Order, OrderEvent
from dispatch.orders.schemas import CancelIn
from dispatch.planning import commit, service, worker
from dispatch.planning.doorstep import DoorstepTime
from dispatch.planning.models import Plan
from dispatch.planning.schemas import PlanCreate
from dispatch.planning.snapshot import take_snapshot
from dispatch.returns.models import Return
from dispatch.settings import Settings
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPosition
from tests.planning.plans_support import (
    SOLVE_SECONDS,
    approved_pickup,
    on_shift,
    wait_for_worker,
)
from tests.support.routes import publish_route, ready_order


@pytest.fixture(autouse=True)
def idle_worker():
    wait_for_worker()
    yield
    wait_for_worker()


def _settings(**overrides) -> Settings:
    return Settings(database_url="sqlite://", migrate_on_start=False, **overrides)


def _plan(database, world, **body) -> dict:
    cmd = PlanCreate.model_validate({"warehouse_ids": [world.warehouses["MC"]],
                                     "time_limit_seconds": SOLVE_SECONDS, **body})
    queued = service.request_plan(database, cmd, world.principals["dispatcher"], _settings())
    assert queued.status == "queued"
    wait_for_worker()
    return service.get_plan(database, queued.id).model_dump(mode="json")


def _commit(database, world, plan_id, who="dispatcher"):
    return commit.commit_plan(database.uow(), plan_id, world.principals[who],
                              eta_window_minutes=5)


def test_plan_and_commit_publishes_routes_once(database, world):
    """Two drivers, two orders and a return pickup: all planned; of two concurrent commits
    exactly one wins, and it writes routes, stops, order moves and their events."""
    ana_shift = on_shift(database, world, "ana")
    on_shift(database, world, "bruno")
    orders = [ready_order(database, world, email=f"p{i}@example.com") for i in range(2)]
    delivered = ready_order(database, world, email="r@example.com")
    with database.uow() as uow:  # the returned order itself is no longer waiting
        uow.db.execute(update(Order).where(Order.id == delivered).values(status="delivered"))
        uow.commit()
    pickup = approved_pickup(database, delivered)
    plan = _plan(database, world)
    assert plan["status"] == "done", plan["error"]
    planned = {(s.get("order_id"), s.get("return_id")) for r in plan["routes"] for s in r["stops"]}
    assert planned == {(orders[0], None), (orders[1], None), (None, pickup)}
    assert plan["unassigned"] == [] and plan["kpis"]["stops"] == 3 and plan["diff"] is None
    route = next(r for r in plan["routes"] if r["driver_id"] == world.drivers["ana"]) if any(
        r["driver_id"] == world.drivers["ana"] for r in plan["routes"]) else plan["routes"][0]
    assert route["driver_name"] in ("Ana", "Bruno") and route["stops"][0]["sequence"] == 1
    with database.uow() as uow:
        snapshot = uow.db.get(Plan, plan["id"]).snapshot
    assert set(snapshot["orders"]) == {str(o) for o in orders}
    assert snapshot["returns"] == {str(pickup): 1} and str(ana_shift) in snapshot["shifts"]

    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            outcomes.append(_commit(database, world, plan["id"]))
        except DomainError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    committed = [o for o in outcomes if not isinstance(o, DomainError)]
    assert len(committed) == 1 and len(conflicts) == 1, outcomes
    assert committed[0].status == "committed"

    with database.uow() as uow:
        db = uow.db
        routes = db.scalars(select(DriverRoute)).all()
        assert {r.plan_id for r in routes} == {plan["id"]} and {r.status for r in routes} == {
            "active"}
        assert len(routes) == len(plan["routes"])
        stops = db.scalars(select(RouteStop)).all()
        assert len(stops) == 3
        proposed = {(s.get("order_id"), s.get("return_id")): s["eta"]
                    for r in plan["routes"] for s in r["stops"]}
        for stop in stops:  # the live ETA is the ETA engine's, refreshed on commit
            assert stop.planned_eta == datetime.fromisoformat(
                proposed[(stop.order_id, stop.return_id)])
            assert abs(stop.eta - stop.planned_eta) < timedelta(minutes=1)
            assert stop.eta_low < stop.eta < stop.eta_high and stop.status == "pending"
        driver_of = {r.id: r.driver_id for r in routes}
        for order_id in orders:
            order = db.get(Order, order_id)
            stop = next(s for s in stops if s.order_id == order_id)
            assert order.status == "planned" and order.driver_id == driver_of[stop.route_id]
        assert db.get(Return, pickup).driver_id is not None
        planned_events = db.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "order.planned")).all()
        assert sorted(e.order_id for e in planned_events) == sorted(orders)
        assert all(e.driver_id is not None for e in planned_events)
        assert len(db.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "plan.committed")).all()) == 1
        assert db.scalars(select(OrderEvent).where(OrderEvent.order_id == orders[0],
                                                   OrderEvent.to_status == "planned")).one()


def test_replan_keeps_dispatched_stops_and_moves_open_ones_to_new_routes(database, world):
    """Ana's route has an order out for delivery and a planned one; a new order is ready.
    The re-plan keeps the dispatched one with Ana, shows the diff, and the commit moves the
    open stops (same rows) onto new routes and retires the old route."""
    on_shift(database, world, "ana")
    on_shift(database, world, "bruno")
    gone, waiting = (ready_order(database, world, email=f"o{i}@example.com") for i in range(2))
    old_route = publish_route(database, world, "ana", [gone, waiting])
    lifecycle.depart(database.uow(), gone, world.principals["dispatcher"])
    fresh = ready_order(database, world, email="new@example.com")
    with database.uow() as uow:
        old_stops = {s.order_id: s.id for s in uow.db.scalars(select(RouteStop))}
    plan = _plan(database, world)
    assert plan["status"] == "done", plan["error"]
    where = {s["order_id"]: r["driver_id"] for r in plan["routes"] for s in r["stops"]}
    assert where[gone] == world.drivers["ana"] and set(where) == {gone, waiting, fresh}
    assert plan["diff"]["added"] == [{"order_id": fresh, "return_id": None,
                                      "driver_id": where[fresh]}]
    assert plan["diff"]["removed"] == []
    expected_moves = [] if where[waiting] == world.drivers["ana"] else [
        {"order_id": waiting, "return_id": None, "from_driver_id": world.drivers["ana"],
         "to_driver_id": where[waiting]}]
    assert plan["diff"]["moved"] == expected_moves

    _commit(database, world, plan["id"])
    with database.uow() as uow:
        db = uow.db
        assert db.get(DriverRoute, old_route).status == "replaced"
        stops = {s.order_id: s for s in db.scalars(select(RouteStop))}
        assert {stops[o].id for o in (gone, waiting)} == {old_stops[gone], old_stops[waiting]}
        for order_id in (gone, waiting, fresh):
            route = db.get(DriverRoute, stops[order_id].route_id)
            assert route.status == "active" and route.plan_id == plan["id"]
            assert route.driver_id == where[order_id] == db.get(Order, order_id).driver_id
        assert db.get(Order, gone).status == "out_for_delivery"
        assert db.get(Order, fresh).status == "planned"


def test_commit_refuses_a_plan_whose_data_changed_and_writes_nothing(database, world):
    shift = on_shift(database, world, "ana")
    order_id = ready_order(database, world)
    plan = _plan(database, world)
    assert plan["status"] == "done" and plan["kpis"]["stops"] == 1
    lifecycle.cancel(database.uow(), order_id, CancelIn(reason="changed mind"),
                     world.principals["dispatcher"])
    shifts.cancel_shift(database.uow(), world.drivers["ana"], shift)
    with pytest.raises(Conflict) as refused:
        _commit(database, world, plan["id"])
    assert sorted(refused.value.extra["changes"], key=lambda c: c["kind"]) == [
        {"kind": "order", "id": order_id, "change": "cancelled"},
        {"kind": "shift", "id": shift, "change": "cancelled"},
    ]
    with database.uow() as uow:
        assert uow.db.scalars(select(DriverRoute)).all() == []
        assert uow.db.get(Plan, plan["id"]).status == "done"


def test_a_route_changed_since_the_snapshot_blocks_the_commit(database, world):
    on_shift(database, world, "ana")
    order_id = ready_order(database, world)
    route_id = publish_route(database, world, "ana", [order_id])
    plan = _plan(database, world)
    assert plan["status"] == "done"
    with database.uow() as uow:
        uow.db.execute(update(RouteStop).where(RouteStop.route_id == route_id)
                       .values(status="arrived", version=RouteStop.version + 1))
        uow.commit()
    with pytest.raises(Conflict) as refused:
        _commit(database, world, plan["id"])
    assert refused.value.extra["changes"] == [{"kind": "route", "id": route_id,
                                               "change": "changed"}]


def _lost_window_order(database, world) -> int:
    """A ready order whose window closed five minutes ago, and a driver on shift."""
    on_shift(database, world, "ana")
    order_id = ready_order(database, world)
    past = datetime.now(UTC) - timedelta(minutes=5)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id)
                       .values(window_start=past - timedelta(hours=1), window_end=past))
        uow.commit()
    return order_id


def test_lost_windows_are_reported_and_nothing_needs_solving(database, world):
    order_id = _lost_window_order(database, world)
    plan = _plan(database, world)
    assert plan["status"] == "done" and plan["routes"] == []
    assert [(u["order_id"], u["reason"]) for u in plan["unassigned"]] == [
        (order_id, "window_passed")]
    committed = _commit(database, world, plan["id"])
    assert committed.status == "committed"
    with database.uow() as uow:
        assert uow.db.get(Order, order_id).status == "ready"


def test_serve_late_routes_a_lost_window_late_instead_of_reporting_it(database, world):
    order_id = _lost_window_order(database, world)
    plan = _plan(database, world, serve_late=True)
    assert plan["status"] == "done" and plan["unassigned"] == []
    (route,) = plan["routes"]
    assert [s["order_id"] for s in route["stops"]] == [order_id]


def test_a_horizon_leaves_work_opening_later_for_a_later_plan(database, world):
    on_shift(database, world, "ana")
    soon = ready_order(database, world, email="soon@example.com", hours_ahead=0.5)
    later = ready_order(database, world, email="later@example.com", hours_ahead=3)
    plan = _plan(database, world, horizon_minutes=60)
    planned = {s["order_id"] for r in plan["routes"] for s in r["stops"]}
    assert planned == {soon} and plan["unassigned"] == []
    everything = _plan(database, world)
    assert {s["order_id"] for r in everything["routes"] for s in r["stops"]} == {soon, later}


def test_a_solver_failure_marks_the_plan_failed_and_frees_its_slot(database, world, monkeypatch):
    on_shift(database, world, "ana")
    ready_order(database, world)

    def explode(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(worker, "_solution", explode)
    plan = _plan(database, world)
    assert plan["status"] == "failed" and "solver crashed" in plan["error"]
    assert worker.slots.in_use == 0
    with pytest.raises(Conflict):
        _commit(database, world, plan["id"])


def test_a_planned_order_left_out_goes_back_to_ready(database, world):
    """Ana's planned order can no longer be reached in its window: the re-plan reports it,
    and the commit retires her route, drops the stop and makes the order ready again."""
    on_shift(database, world, "ana")
    order_id = ready_order(database, world)
    route_id = publish_route(database, world, "ana", [order_id])
    past = datetime.now(UTC) - timedelta(minutes=5)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id)
                       .values(window_start=past - timedelta(hours=1), window_end=past))
        uow.commit()
    plan = _plan(database, world)
    assert [u["reason"] for u in plan["unassigned"]] == ["window_passed"]
    assert plan["diff"]["removed"] == [{"order_id": order_id, "return_id": None,
                                        "driver_id": world.drivers["ana"]}]
    _commit(database, world, plan["id"])
    with database.uow() as uow:
        db = uow.db
        order = db.get(Order, order_id)
        assert (order.status, order.driver_id) == ("ready", None)
        assert db.get(DriverRoute, route_id).status == "replaced"
        assert db.scalars(select(RouteStop)).all() == []
        last = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)
                          .order_by(OrderEvent.id.desc())).first()
        assert (last.from_status, last.to_status) == ("planned", "ready")


def test_snapshot_of_a_route_under_way(database, world):
    """A dispatched stop is flagged with its driver and ETA, the driver leaves from their
    last position, and a pickup on another driver's route is left alone."""
    on_shift(database, world, "ana")
    gone = ready_order(database, world)
    delivered = ready_order(database, world, email="x@example.com")
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == delivered).values(status="delivered"))
        uow.commit()
    elsewhere = approved_pickup(database, delivered)
    publish_route(database, world, "ana", [gone])
    publish_route(database, world, "bruno", [], return_ids=[elsewhere])
    lifecycle.depart(database.uow(), gone, world.principals["dispatcher"])
    with database.uow() as uow:
        uow.db.add(DriverPosition(driver_id=world.drivers["ana"], lat=43.74, lon=7.42,
                                  recorded_at=datetime.now(UTC)))
        uow.commit()
    with database.uow() as uow:
        snap = take_snapshot(uow.db, warehouse_ids=[world.warehouses["MC"]], driver_ids=None,
                             now=datetime.now(UTC), doorstep=DoorstepTime(60))
        version = uow.db.get(Order, gone).version
    (vehicle,) = snap.vehicles
    assert vehicle.driver_id == world.drivers["ana"] and vehicle.position == (43.74, 7.42)
    (stop,) = snap.stops
    assert stop.id == f"order:{gone}" and stop.dispatched and not stop.arrived
    assert stop.driver_id == world.drivers["ana"] and stop.eta is not None
    assert stop.weight_g == 800 and stop.service_seconds == 180  # the route's own
    assert snap.versions["orders"] == {str(gone): version} and snap.versions["returns"] == {}
    assert len(snap.versions["routes"]) == 1


def test_a_driver_riding_back_is_planned_from_when_they_are_back(database, world):
    """No route, last seen 3 km out a minute ago: returning; seen there an hour ago, or
    at the warehouse: not."""
    on_shift(database, world, "ana")
    now = datetime.now(UTC)

    def vehicle_seen(lat, lon, ago):
        with database.uow() as uow:
            uow.db.merge(DriverPosition(driver_id=world.drivers["ana"], lat=lat, lon=lon,
                                        recorded_at=now - ago))
            uow.commit()
        with database.uow() as uow:
            snap = take_snapshot(uow.db, warehouse_ids=[world.warehouses["MC"]],
                                 driver_ids=None, now=now, doorstep=DoorstepTime(60))
        (vehicle,) = snap.vehicles
        return vehicle

    out = vehicle_seen(43.7650, 7.4700, timedelta(minutes=1))
    assert out.returning_from == (43.7650, 7.4700) and out.position is None
    assert vehicle_seen(43.7650, 7.4700, timedelta(hours=1)).returning_from is None
    home = out.home
    assert vehicle_seen(home[0], home[1], timedelta(minutes=1)).returning_from is None


def test_new_work_is_timed_at_the_door_by_its_weight(database, world):
    """60 s a stop and 10 s a kilo: an 800 g clock takes 68 s, two of them 76 s, and a
    return pickup of one clock 68 s too."""
    on_shift(database, world, "ana")
    one = ready_order(database, world, email="one@example.com")
    two = ready_order(database, world, (("RETRO-CLOCK", 2),), email="two@example.com")
    delivered = ready_order(database, world, email="back@example.com")
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == delivered).values(status="delivered"))
        uow.commit()
    pickup = approved_pickup(database, delivered)
    with database.uow() as uow:
        snap = take_snapshot(uow.db, warehouse_ids=[world.warehouses["MC"]], driver_ids=None,
                             now=datetime.now(UTC), doorstep=DoorstepTime(60, 10))
    timed = {s.id: (s.weight_g, s.service_seconds) for s in snap.stops}
    assert timed == {f"order:{one}": (800, 68), f"order:{two}": (1600, 76),
                     f"return:{pickup}": (800, 68)}
