"""The dispatcher stream's poller on real databases, and its SSE loop on a fake clock."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import anyio
import pytest

from dispatch.db.base import utcnow
from dispatch.events.models import OutboxEvent
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.fleet.models import Driver
from dispatch.tracking.locations import PingIn, record_ping
from dispatch.tracking.stream import KEEPALIVE, EventPoller, StreamEvent, sse
from tests.support.clock import FakeClock
from tests.support.routes import ready_order
from tests.support.world import NICE


def _publish(database, type=EventType.STOP_ARRIVED, **payload) -> int:
    with database.uow() as uow:
        event = publish(uow.db, type, payload, driver_id=payload.get("driver_id"),
                        order_id=payload.get("order_id"))
        uow.db.flush()
        event_id = event.id
        uow.commit()
    return event_id


def _ping(database, driver_id, lat=43.7396, lon=7.4276, at=None):
    record_ping(database.uow(), driver_id,
                PingIn(lat=lat, lon=lon, timestamp=at or utcnow()))


def _outbox(events):
    return [(e.id, e.event) for e in events if e.id is not None]


def _positions(events):
    return [e.data["driver_id"] for e in events if e.event == "driver.position"]


# --- The poller ---------------------------------------------------------------------------


def test_a_new_stream_starts_at_the_newest_event_with_every_position(database, world):
    old = _publish(database, note="before the stream")
    _ping(database, world.drivers["ana"])
    poller = EventPoller(database.uow)
    first = poller.poll()
    assert _outbox(first) == [] and poller.last_id == old
    assert _positions(first) == [world.drivers["ana"]]
    new = _publish(database, EventType.ETA_CHANGED, order_id=None, eta="soon")
    second = poller.poll()
    assert _outbox(second) == [(new, "order.eta_changed")]
    assert second[0].data == {"order_id": None, "eta": "soon"}
    assert _positions(second) == []  # unchanged since the first poll
    assert poller.poll() == []


def test_resuming_after_an_id_replays_what_followed(database, world):
    ids = [_publish(database, n=n) for n in range(4)]
    events = EventPoller(database.uow, after=ids[1]).poll()
    assert _outbox(events) == [(ids[2], "stop.arrived"), (ids[3], "stop.arrived")]
    assert [e.data["n"] for e in events] == [2, 3]


def test_an_id_beyond_the_newest_starts_at_the_newest(database, world):
    newest = _publish(database)
    poller = EventPoller(database.uow, after=newest + 1000)
    assert poller.poll() == [] and poller.last_id == newest
    following = _publish(database)
    assert [e.id for e in poller.poll()] == [following]


def test_order_status_changes_are_streamed(database, world):
    poller = EventPoller(database.uow)
    poller.poll()
    order_id = ready_order(database, world)  # confirmed, then ready
    types = [e.event for e in poller.poll() if e.id is not None]
    assert types == ["order.confirmed", "order.ready"]
    assert order_id


def test_positions_are_sent_again_only_when_they_move(database, world):
    ana, bruno = world.drivers["ana"], world.drivers["bruno"]
    _ping(database, ana)
    poller = EventPoller(database.uow)
    poller.poll()
    _ping(database, bruno)
    moved = poller.poll()
    assert _positions(moved) == [bruno]
    (event,) = moved
    assert event.id is None  # positions never move Last-Event-ID
    assert (event.data["lat"], event.data["lon"]) == (43.7396, 7.4276)
    _ping(database, ana, lat=43.7400, at=utcnow() + timedelta(seconds=1))
    assert _positions(poller.poll()) == [ana]


def test_stale_positions_are_left_out(database, world):
    _ping(database, world.drivers["ana"], at=utcnow() - timedelta(hours=11))
    assert _positions(EventPoller(database.uow).poll()) == [world.drivers["ana"]]
    assert _positions(EventPoller(database.uow, position_max_age=timedelta(hours=1)).poll()) == []


def test_warehouse_filter(database, world):
    """Events belong to the payload's warehouse, else the order's, else the driver's;
    positions to the driver's warehouse."""
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    with database.uow() as uow:
        carla = Driver(name="Carla Nice", warehouse_id=nce, capacity_weight_g=1,
                       capacity_volume_ml=1, skills=[])
        uow.db.add(carla)
        uow.db.flush()
        carla_id = carla.id
        uow.commit()
    in_nice = EventPoller(database.uow, warehouse_id=nce)
    in_monaco = EventPoller(database.uow, warehouse_id=mc)
    in_nice.poll(), in_monaco.poll()
    nice_order = ready_order(database, world, where=NICE)
    by_driver = _publish(database, driver_id=carla_id)
    by_payload = _publish(database, EventType.PLAN_COMMITTED, warehouse_id=mc, plan_id=7)
    _ping(database, carla_id, lat=NICE[0], lon=NICE[1])
    _ping(database, world.drivers["ana"])
    nice = in_nice.poll()
    assert {e.data.get("order_id") for e in nice if e.event.startswith("order.")} == {
        nice_order}
    assert by_driver in [e.id for e in nice] and by_payload not in [e.id for e in nice]
    assert _positions(nice) == [carla_id]
    monaco = in_monaco.poll()
    assert [e.id for e in monaco if e.id is not None] == [by_payload]
    assert _positions(monaco) == [world.drivers["ana"]]
    assert in_nice.last_id == in_monaco.last_id == by_payload  # both read past everything


def _insert_outbox(database, event_id: int, occurred_at) -> None:
    with database.uow() as uow:
        uow.db.add(OutboxEvent(id=event_id, event_id=str(uuid.uuid4()), type="stop.arrived",
                               payload={"id": event_id}, occurred_at=occurred_at))
        uow.commit()


def test_a_fresh_gap_is_waited_on_then_passed(database, world):
    """Id 1001 is missing (a transaction still in flight, or rolled back): 1002 waits up
    to the grace period, then is sent; a gap filled in time keeps the order."""
    clock, now = FakeClock(), utcnow()
    _insert_outbox(database, 1000, now)
    poller = EventPoller(database.uow, after=999, gap_grace_seconds=5, clock=clock,
                         now=lambda: now)
    assert _outbox(poller.poll()) == [(1000, "stop.arrived")]
    _insert_outbox(database, 1002, now)
    assert _outbox(poller.poll()) == []
    clock.now = 4.9
    assert _outbox(poller.poll()) == []
    _insert_outbox(database, 1001, now)  # the slow transaction commits
    assert [e.id for e in poller.poll() if e.id] == [1001, 1002]
    _insert_outbox(database, 1005, now)
    assert _outbox(poller.poll()) == []
    clock.now = 10.0
    assert [e.id for e in poller.poll() if e.id] == [1005]


def test_an_old_gap_is_passed_at_once(database, world):
    old = utcnow() - timedelta(minutes=5)
    _insert_outbox(database, 2000, old)
    _insert_outbox(database, 2003, old)
    events = EventPoller(database.uow, after=1990, clock=FakeClock()).poll()
    assert [e.id for e in events if e.id] == [2000, 2003]


# --- The SSE loop -------------------------------------------------------------------------


class ScriptedPoller:
    """Answers each poll with the next scripted batch, then nothing."""

    def __init__(self, *batches: list[StreamEvent]) -> None:
        self.batches = list(batches)
        self.polls = 0

    def poll(self) -> list[StreamEvent]:
        self.polls += 1
        return self.batches.pop(0) if self.batches else []


def _run(poller, *, limit: int, clock: FakeClock, **kwargs) -> list[str]:
    async def sleep(seconds: float) -> None:
        clock.now += seconds

    async def run_poll(poll):
        return poll()

    async def collect() -> list[str]:
        chunks = []
        stream = sse(poller, clock=clock, sleep=sleep, run_poll=run_poll, **kwargs)
        async for chunk in stream:
            chunks.append(chunk)
            if len(chunks) >= limit:
                await stream.aclose()
                break
        return chunks

    return anyio.run(collect)


def test_event_wire_format():
    event = StreamEvent("stop.arrived", {"note": "line\nbreak", "n": 1}, 42)
    assert event.encode() == ('id: 42\nevent: stop.arrived\n'
                              'data: {"note":"line\\nbreak","n":1}\n\n')
    position = StreamEvent("driver.position", {"driver_id": 3})
    assert position.encode() == 'event: driver.position\ndata: {"driver_id":3}\n\n'


def test_stream_sends_events_then_keepalives_while_quiet():
    clock = FakeClock()
    events = [StreamEvent("stop.arrived", {"n": 1}, 5), StreamEvent("stop.completed", {}, 6)]
    poller = ScriptedPoller([], events)
    chunks = _run(poller, limit=5, clock=clock, poll_seconds=0.5, keepalive_seconds=15)
    assert chunks[0] == "retry: 2000\n\n"
    assert chunks[1:3] == [e.encode() for e in events]
    assert chunks[3:] == [KEEPALIVE, KEEPALIVE]
    # Events at t=0.5; keepalives 15 s of quiet later, and 15 s after that.
    assert clock.now == pytest.approx(0.5 + 15 + 15, abs=0.51)
    assert poller.polls == pytest.approx(1 + 2 * 15 / 0.5, abs=2)


def test_stream_stops_when_told():
    clock = FakeClock()
    poller = ScriptedPoller()
    stop_after = 3

    def should_stop() -> bool:
        return poller.polls >= stop_after

    chunks = _run(poller, limit=100, clock=clock, should_stop=should_stop)
    assert chunks == ["retry: 2000\n\n"] and poller.polls == stop_after


def test_without_follow_one_poll_and_the_end():
    poller = ScriptedPoller([StreamEvent("stop.arrived", {}, 1)], [StreamEvent("x", {}, 2)])
    chunks = _run(poller, limit=100, clock=FakeClock(), follow=False)
    assert poller.polls == 1
    assert [json.loads(c.split("data: ")[1]) for c in chunks[1:]] == [{}]
