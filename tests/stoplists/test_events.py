"""Stop events and departure as services, on SQLite and PostgreSQL: what they change,
what they hand the ETA engine, and how they behave when two arrive at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.errors import Conflict, DomainError, Invalid
from dispatch.orders.models import Order
from dispatch.stock.models import StockMovement
from dispatch.stoplists import departure, events
from dispatch.stoplists.models import DriverRoute, RouteStop, StopEvent
from dispatch.stoplists.schemas import ArrivedIn, CompletedIn, FailedIn
from dispatch.tracking.models import DriverPosition
from tests.support.routes import publish_route, ready_order, stop_ids
from tests.support.world import NICE

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def ana(world):
    return world.principals["driver"]


@pytest.fixture
def one_stop(database, world):
    order_id = ready_order(database, world)
    route_id = publish_route(database, world, "ana", [order_id], start=START)
    return route_id, stop_ids(database, route_id)[0], order_id


def test_the_eta_engine_is_refreshed_with_the_event_time(database, ana, one_stop, monkeypatch):
    """``refresh_route`` sees the event's changes in the same session, at the event's
    time; departure refreshes too."""
    route_id, stop_id, _ = one_stop
    seen = []

    def refresh(db, rid, *, now, limits=None):
        seen.append((rid, now, db.get(RouteStop, stop_id).status))

    monkeypatch.setattr(events, "refresh_route", refresh)
    monkeypatch.setattr(departure, "refresh_route", refresh)
    at = START + timedelta(minutes=12)
    departure.depart(database.uow(), ana, now=START + timedelta(minutes=1))
    events.arrive(database.uow(), ana, stop_id, ArrivedIn(at=at))
    assert seen == [(route_id, START + timedelta(minutes=1), "pending"),
                    (route_id, at, "arrived")]


def test_a_failing_eta_refresh_undoes_the_event(database, ana, one_stop, monkeypatch):
    """Same transaction: if the ETA engine fails, the event, the delivery and the outbox
    rows are all rolled back."""
    _, stop_id, order_id = one_stop

    def refresh(db, rid, *, now, limits=None):
        raise RuntimeError("eta engine down")

    monkeypatch.setattr(events, "refresh_route", refresh)
    with pytest.raises(RuntimeError):
        events.complete(database.uow(), ana, stop_id, CompletedIn(recipient_name="M"))
    with database.uow() as uow:
        assert uow.db.get(RouteStop, stop_id).status == "pending"
        assert uow.db.get(Order, order_id).status == "planned"
        assert uow.db.scalar(select(func.count(StopEvent.id))) == 0


def test_completion_keeps_the_reported_time(database, ana, one_stop):
    route_id, stop_id, order_id = one_stop
    arrived, done = START + timedelta(minutes=9), START + timedelta(minutes=11)
    events.arrive(database.uow(), ana, stop_id, ArrivedIn(at=arrived))
    with pytest.raises(Invalid) as err:
        events.complete(database.uow(), ana, stop_id,
                        CompletedIn(recipient_name="M", at=arrived - timedelta(seconds=1)))
    assert err.value.field == "at"
    result = events.complete(database.uow(), ana, stop_id, CompletedIn(recipient_name="M", at=done))
    assert result.stop.finished_at == done and result.route_status == "completed"
    with database.uow() as uow:
        assert uow.db.get(Order, order_id).delivered_at == done
        assert uow.db.get(DriverRoute, route_id).departed_at == arrived


def test_the_eta_lead_counts_from_the_last_estimate(database, ana, one_stop):
    route_id, stop_id, _ = one_stop
    estimated = START + timedelta(minutes=2)
    with database.uow() as uow:
        uow.db.get(DriverRoute, route_id).eta_updated_at = estimated
        uow.commit()
    at = START + timedelta(minutes=7)
    events.arrive(database.uow(), ana, stop_id, ArrivedIn(at=at))
    with database.uow() as uow:
        stop = uow.db.get(RouteStop, stop_id)
        assert (stop.eta_error_seconds, stop.eta_lead_seconds) == (-180.0, 300.0)


def _position(database, driver_id, where, recorded_at):
    with database.uow() as uow:
        uow.db.add(DriverPosition(driver_id=driver_id, lat=where[0], lon=where[1],
                                  recorded_at=recorded_at))
        uow.commit()


def test_a_stale_position_is_not_taken_for_where_the_driver_was(database, world, ana, one_stop):
    _, stop_id, _ = one_stop
    _position(database, world.drivers["ana"], NICE, datetime.now(UTC) - timedelta(hours=1))
    result = events.fail(database.uow(), ana, stop_id, FailedIn(reason="not_home"))
    assert (result.event.distance_from_stop_m, result.event.flagged_far) == (None, False)


def test_a_recent_far_position_flags_the_event(database, world, ana, one_stop):
    _, stop_id, _ = one_stop
    _position(database, world.drivers["ana"], NICE, datetime.now(UTC) - timedelta(minutes=2))
    result = events.fail(database.uow(), ana, stop_id, FailedIn(reason="unsafe", note="dog"))
    assert result.event.flagged_far is True and result.event.distance_from_stop_m > 10_000
    with database.uow() as uow:
        stored = uow.db.scalars(select(StopEvent)).one()
        assert (stored.lat, stored.lon, stored.flagged_far) == (NICE[0], NICE[1], True)
        assert (stored.kind, stored.reason, stored.note) == ("failed", "unsafe", "dog")


def test_a_custom_far_limit_is_applied(database, world, ana, one_stop):
    _, stop_id, _ = one_stop
    stop_lat, stop_lon = 43.7396, 7.4276  # CASINO, where the order goes
    rules = events.StopRules(far_meters=10.0)
    result = events.arrive(database.uow(), ana, stop_id,
                           ArrivedIn(lat=stop_lat + 0.0002, lon=stop_lon), rules=rules)
    assert result.event.flagged_far is True and 20 < result.event.distance_from_stop_m < 25


def test_an_order_added_after_departure_goes_out_with_its_stop(database, world, ana, one_stop):
    """The route departed before this order was put on it: completing its stop takes it
    out for delivery first, then delivers it."""
    route_id, first_stop, _ = one_stop
    departure.depart(database.uow(), ana)
    late = ready_order(database, world)
    with database.uow() as uow:
        order = uow.db.get(Order, late)
        order.status, order.driver_id = "planned", world.drivers["ana"]
        first = uow.db.get(RouteStop, first_stop)
        uow.db.add(RouteStop(route_id=route_id, sequence=2, kind="delivery", order_id=late,
                             lat=first.lat, lon=first.lon, window_start=first.window_start,
                             window_end=first.window_end, planned_eta=first.eta, eta=first.eta,
                             eta_low=first.eta_low, eta_high=first.eta_high, load_after={}))
        uow.commit()
    late_stop = stop_ids(database, route_id)[1]
    events.complete(database.uow(), ana, late_stop, CompletedIn(recipient_name="M"))
    with database.uow() as uow:
        assert uow.db.get(Order, late).status == "delivered"


def test_stops_of_a_route_that_is_no_longer_active_are_refused(database, ana, one_stop):
    route_id, stop_id, _ = one_stop
    with database.uow() as uow:
        uow.db.get(DriverRoute, route_id).status = "replaced"
        uow.commit()
    with pytest.raises(Conflict) as err:
        events.arrive(database.uow(), ana, stop_id, ArrivedIn())
    assert err.value.field == "stop_id" and err.value.extra["route_status"] == "replaced"


def test_parallel_completions_of_one_stop_deliver_once(database, ana, one_stop):
    """Eight phones retrying at once: one completion, one shipment, seven conflicts."""
    _, stop_id, order_id = one_stop
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def complete():
        barrier.wait()
        try:
            outcomes.append(events.complete(database.uow(), ana, stop_id,
                                            CompletedIn(recipient_name="Marie")))
        except DomainError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["IllegalTransition"] * 7 + [
        "StopEventResult"]
    with database.uow() as uow:
        shipped = uow.db.scalar(select(func.count(StockMovement.id)).where(
            StockMovement.order_id == order_id, StockMovement.kind == "shipment"))
        assert shipped == 1
        assert uow.db.scalar(select(func.count(StopEvent.id))) == 1
