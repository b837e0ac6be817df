"""Customers hear about an ETA only when it moved enough, and once that they are next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dispatch.events.models import OutboxEvent
from dispatch.events.types import EventType
from dispatch.orders import lifecycle
from tests.support.routes import approved_return, publish_route, ready_order
from tests.support.world import CASINO, MONACO, NICE
from tests.tracking.test_eta import (
    LARVOTTO,
    make_route,
    now_utc,
    place_driver,
    refresh,
    set_stops,
    stops_of,
)

ETA_EVENTS = (EventType.ETA_CHANGED.value, EventType.ARRIVING_NEXT.value)


def eta_events(database, kind: EventType | None = None) -> list[OutboxEvent]:
    with database.uow() as uow:
        query = select(OutboxEvent).where(OutboxEvent.type.in_(ETA_EVENTS)).order_by(
            OutboxEvent.id)
        events = uow.db.scalars(query).all()
        uow.db.expunge_all()
    return [e for e in events if kind is None or e.type == kind.value]


def test_the_first_estimate_is_recorded_silently(database, world):
    route_id, _ = make_route(database, world, points=(CASINO, LARVOTTO))
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now)
    assert eta_events(database, EventType.ETA_CHANGED) == []
    assert all(s.notified_eta == s.eta for s in stops_of(database, route_id))


def test_eta_changed_only_above_the_threshold_and_once_per_change(database, world):
    route_id, order_ids = make_route(database, world, points=(CASINO, LARVOTTO))
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    refresh(database, route_id, now)
    told = [s.notified_eta for s in stops_of(database, route_id)]

    # Held up for 9 minutes: below the 10-minute threshold, nobody is told.
    refresh(database, route_id, now + timedelta(minutes=9))
    assert eta_events(database, EventType.ETA_CHANGED) == []
    assert [s.notified_eta for s in stops_of(database, route_id)] == told

    # Ana turns out to be in Nice: every ETA moves by half an hour or more.
    place_driver(database, world.drivers["ana"], NICE, now + timedelta(minutes=9))
    result = refresh(database, route_id, now + timedelta(minutes=9))
    changed = eta_events(database, EventType.ETA_CHANGED)
    stops = stops_of(database, route_id)
    assert [e.order_id for e in changed] == order_ids
    assert set(result.eta_changed) == {s.id for s in stops}
    for event, stop, previous in zip(changed, stops, told, strict=True):
        assert event.payload["stop_id"] == stop.id
        assert event.payload["previous"] == previous.isoformat()
        assert event.payload["eta"] == stop.eta.isoformat()
        assert event.payload["eta_low"] == stop.eta_low.isoformat()
        assert event.payload["eta_high"] == stop.eta_high.isoformat()
        assert event.driver_id == world.drivers["ana"]
        assert stop.notified_eta == stop.eta

    # The same estimate again is no news.
    refresh(database, route_id, now + timedelta(minutes=9, seconds=5))
    assert len(eta_events(database, EventType.ETA_CHANGED)) == 2


def test_orders_not_yet_out_for_delivery_get_no_eta_changes(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,), depart=False)
    now = now_utc()
    refresh(database, route_id, now)
    [first] = stops_of(database, route_id)
    refresh(database, route_id, now + timedelta(hours=2))  # the van left late
    [later] = stops_of(database, route_id)
    assert later.eta - first.eta > timedelta(hours=1)
    assert later.notified_eta == first.eta
    assert eta_events(database) == []


def test_arriving_next_goes_out_once_per_stop_as_the_route_progresses(database, world):
    route_id, order_ids = make_route(database, world, points=(CASINO, LARVOTTO))
    now = now_utc()
    place_driver(database, world.drivers["ana"], MONACO, now)
    assert refresh(database, route_id, now).arriving_next == stops_of(database, route_id)[0].id
    refresh(database, route_id, now + timedelta(seconds=30))
    assert [e.order_id for e in eta_events(database, EventType.ARRIVING_NEXT)] == order_ids[:1]

    # At the Casino, Larvotto is next to visit.
    set_stops(database, route_id, {1}, status="arrived", arrived_at=now + timedelta(minutes=5))
    refresh(database, route_id, now + timedelta(minutes=5))
    set_stops(database, route_id, {1}, status="completed", finished_at=now + timedelta(minutes=8))
    refresh(database, route_id, now + timedelta(minutes=8))
    sent = eta_events(database, EventType.ARRIVING_NEXT)
    assert [e.order_id for e in sent] == order_ids
    assert sent[1].payload["stop_id"] == stops_of(database, route_id)[1].id
    assert all(s.arriving_next_sent for s in stops_of(database, route_id))


def test_no_arriving_next_before_the_route_departs(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,), depart=False)
    refresh(database, route_id, now_utc())
    assert eta_events(database, EventType.ARRIVING_NEXT) == []
    assert not stops_of(database, route_id)[0].arriving_next_sent


def test_return_pickups_are_timed_but_get_no_order_events(database, world):
    """The pickup after the Casino delivery gets an ETA; only the order hears anything."""
    pickup = approved_return(database, world, email="luc@example.com")
    order_id = ready_order(database, world)
    now = now_utc()
    route_id = publish_route(database, world, "ana", [order_id], return_ids=[pickup],
                             start=now)
    set_stops(database, route_id, window_start=now - timedelta(hours=6),
              window_end=now + timedelta(hours=6))
    lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])
    place_driver(database, world.drivers["ana"], NICE, now)
    refresh(database, route_id, now)
    place_driver(database, world.drivers["ana"], MONACO, now)  # ETAs move ~30 min earlier
    result = refresh(database, route_id, now)
    delivery, collection = stops_of(database, route_id)
    assert result.remaining == 2 and collection.eta > delivery.eta
    assert result.updated == (delivery.id, collection.id)
    assert [(e.type, e.order_id) for e in eta_events(database)] == [
        (EventType.ARRIVING_NEXT.value, order_id), (EventType.ETA_CHANGED.value, order_id)]
    assert collection.notified_eta is None and not collection.arriving_next_sent
