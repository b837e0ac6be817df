"""The relay: only committed events go out, each once, and a failing pass harms nothing."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.events.models import OutboxEvent
from dispatch.events.outbox import publish
from dispatch.events.relay import relay_once
from dispatch.events.relay_thread import RelayThread
from dispatch.events.types import EventType
from dispatch.notifications.models import Notification
from dispatch.webhooks.models import WebhookDelivery
from tests.support.routes import ready_order
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import publish_event, register, relay_settings

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def cfg(settings, tmp_path):
    return relay_settings(settings, tmp_path)


def _count(database, model) -> int:
    with database.uow() as uow:
        return uow.db.scalar(select(func.count()).select_from(model))


def test_running_the_relay_again_sends_nothing_twice(database, world, cfg, tmp_path):
    """Webhooks and notifications alike: a second and third pass find nothing to do."""
    with Receiver() as receiver:
        register(database, receiver.url)
        ready_order(database, world)  # confirmed (templated) and ready (not templated)
        first = relay_once(database, cfg, now=T0)
        second = relay_once(database, cfg, now=T0 + timedelta(minutes=1))
        third = relay_once(database, cfg, now=T0 + timedelta(days=3))
    assert first.events == 2 and first.deliveries_queued == 2
    assert first.notifications_queued == 1 and first.notifications["sent"] == 1
    for later in (second, third):
        assert later.events == 0 and later.deliveries_queued == 0
        assert later.notifications_queued == 0
        assert not any(later.webhooks.values()) and not any(later.notifications.values())
    assert sorted(r.headers["Dispatch-Event-Type"] for r in receiver.requests) == [
        "order.confirmed", "order.ready"]
    log_lines = (tmp_path / "notifications.log").read_text().splitlines()
    assert len(log_lines) == 1
    assert _count(database, WebhookDelivery) == 2 and _count(database, Notification) == 1


def test_every_event_is_marked_relayed_with_the_pass_time(database, cfg):
    publish_event(database)
    publish_event(database, EventType.PLAN_COMMITTED, {"plan_id": 3})
    relay_once(database, cfg, now=T0)
    with database.uow() as uow:
        assert set(uow.db.scalars(select(OutboxEvent.relayed_at))) == {T0}


def test_event_of_a_rolled_back_transaction_is_never_delivered(database, cfg):
    with Receiver() as receiver:
        register(database, receiver.url)
        with database.uow() as uow:
            publish(uow.db, EventType.ORDER_CANCELLED, {"order_id": 1})
            uow.db.flush()  # written, then rolled back with the change it described
            uow.rollback()
        with pytest.raises(RuntimeError), database.uow() as uow:
            publish(uow.db, EventType.ORDER_CANCELLED, {"order_id": 2})
            uow.db.flush()
            raise RuntimeError("the request failed half-way")
        kept = publish_event(database, EventType.ORDER_DELIVERED)
        counts = relay_once(database, cfg, now=T0)
    assert counts.events == 1
    assert [r.headers["Dispatch-Event-Id"] for r in receiver.requests] == [kept]


def test_events_are_taken_in_id_order_one_batch_per_pass(database, cfg):
    small = cfg.model_copy(update={"relay_batch_size": 2})
    with Receiver() as receiver:
        register(database, receiver.url)
        ids = [publish_event(database) for _ in range(5)]
        assert [relay_once(database, small, now=T0).events for _ in range(4)] == [2, 2, 1, 0]
    assert [r.headers["Dispatch-Event-Id"] for r in receiver.requests] == ids


def test_a_broken_channel_fails_the_notification_not_the_relay(database, world, cfg):
    class Broken:
        name, contact = "log", "any"

        def send(self, message):
            raise OSError("disk full")

    ready_order(database, world)
    counts = relay_once(database, cfg, now=T0, channel=Broken())
    assert counts.events == 2 and counts.notifications == {"sent": 0, "pending": 1, "failed": 0}
    with database.uow() as uow:
        [note] = uow.db.scalars(select(Notification)).all()
        assert note.status == "pending" and note.error == "OSError: disk full"


def test_relay_thread_relays_in_the_background_and_stops_cleanly(database, cfg):
    background = cfg.model_copy(update={"relay_interval_seconds": 0.05})
    with Receiver() as receiver:
        register(database, receiver.url)
        thread = RelayThread(database, background)
        thread.start()
        try:
            publish_event(database)
            deadline = time.monotonic() + 10
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            thread.stop(timeout=10)
    assert len(receiver.requests) == 1
    assert thread._thread is None


def test_relay_thread_logs_a_failing_pass_and_keeps_going(database, cfg, caplog, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("database went away")

    monkeypatch.setattr("dispatch.events.relay_thread.relay_once", failing)
    thread = RelayThread(database, cfg.model_copy(update={"relay_interval_seconds": 0.01}))
    with caplog.at_level(logging.ERROR, logger="dispatch.events.relay_thread"):
        thread.start()
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        thread.stop(timeout=10)
    assert len(calls) >= 3  # it kept ticking after the first failure
    assert "outbox relay pass failed" in caplog.text
