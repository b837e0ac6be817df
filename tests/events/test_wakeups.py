"""Stream wake-ups on the local Redis: a commit that adds an outbox event or moves a
driver wakes the waiting streams of another process; other commits do not."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import insert

from dispatch.db.base import utcnow
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.events.wakeups import StreamWakeups
from dispatch.fleet.models import Driver
from dispatch.tracking.models import DriverPosition
from tests.workers.conftest import REDIS_URL, redis_unavailable_reason


@pytest.fixture
def wakeups():
    """A publisher and a listener (as two processes would have) on a channel of this test."""
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    channel = f"dispatch:test:{uuid.uuid4().hex}"
    publisher, listener = StreamWakeups(REDIS_URL, channel), StreamWakeups(REDIS_URL, channel)
    listener.start()
    yield publisher, listener
    listener.stop()
    publisher.stop()


def woken_by(listener: StreamWakeups, action, seconds: float = 3.0) -> bool:
    async def run() -> bool:
        waiter = listener.waiter()
        await waiter.wait(0.5)  # registered, and the subscription surely live
        action()
        woken = await waiter.wait(seconds)
        waiter.close()
        return woken

    return asyncio.run(run())


def test_a_publish_wakes_a_waiting_stream_and_silence_does_not(wakeups):
    publisher, listener = wakeups
    assert woken_by(listener, publisher.publish)
    assert not woken_by(listener, lambda: None, seconds=1.0)


def test_commits_wake_only_when_they_add_an_event_or_move_a_driver(wakeups, sqlite_database):
    from tests.support.world import seed_world

    publisher, listener = wakeups
    world = seed_world(sqlite_database)
    publisher.watch(sqlite_database.sessions)

    def commit(work):
        with sqlite_database.uow() as uow:
            work(uow.db)
            uow.commit()

    def rolled_back():
        with sqlite_database.uow() as uow:
            publish(uow.db, EventType.ORDER_CONFIRMED, {"order_id": 0})

    driver_id = world.drivers["ana"]
    assert woken_by(listener, lambda: commit(
        lambda db: publish(db, EventType.ORDER_CONFIRMED, {"order_id": 0})))
    assert woken_by(listener, lambda: commit(lambda db: db.execute(
        insert(DriverPosition.__table__), [{"driver_id": driver_id, "lat": 43.7, "lon": 7.4,
                                            "recorded_at": utcnow()}])))
    assert not woken_by(listener, lambda: commit(
        lambda db: setattr(db.get(Driver, driver_id), "name", "Ana B.")), seconds=1.0)
    assert not woken_by(listener, rolled_back, seconds=1.0)
