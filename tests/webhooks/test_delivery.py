"""Deliveries to a real receiver on loopback: signed, retried with backoff, dead-lettered."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.events.relay import relay_once
from dispatch.events.types import EventType
from dispatch.webhooks.signing import verify_signature
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import deliveries, publish_event, register, relay_settings

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NO_JITTER = lambda: 0.0  # noqa: E731


@pytest.fixture
def cfg(settings, tmp_path):
    return relay_settings(settings, tmp_path)


def test_event_reaches_the_receiver_signed(database, cfg):
    with Receiver() as receiver:
        hook = register(database, receiver.url)
        event_id = publish_event(database, EventType.ORDER_DELIVERED, {"order_id": 41})
        counts = relay_once(database, cfg, now=T0)
    assert counts.events == 1 and counts.deliveries_queued == 1
    assert counts.webhooks["delivered"] == 1
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["Dispatch-Event-Id"] == event_id
    assert request.headers["Dispatch-Event-Type"] == "order.delivered"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert body["id"] == event_id and body["type"] == "order.delivered"
    assert body["data"] == {"order_id": 41}
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    signature = request.headers["Dispatch-Signature"]
    assert signature.startswith(f"t={int(T0.timestamp())},v1=")
    assert verify_signature(hook.secret, signature, request.body, T0)
    assert not verify_signature(hook.secret, signature, request.body, T0 + timedelta(minutes=6))
    [delivery] = deliveries(database, hook.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at == T0 and delivery.event_id == event_id


def test_only_subscribed_active_endpoints_get_an_event(database, cfg):
    with Receiver() as a, Receiver() as b, Receiver() as c:
        only_delivered = register(database, a.url, ["order.delivered"])
        everything = register(database, b.url, ["*"])
        retired = register(database, c.url, ["*"])
        from dispatch.webhooks.service import deactivate_webhook
        deactivate_webhook(database.uow(), retired.id)
        publish_event(database, EventType.ORDER_DELIVERED)
        publish_event(database, EventType.ORDER_CANCELLED, {"order_id": 41})
        relay_once(database, cfg, now=T0)
    assert [r.headers["Dispatch-Event-Type"] for r in a.requests] == ["order.delivered"]
    assert sorted(r.headers["Dispatch-Event-Type"] for r in b.requests) == [
        "order.cancelled", "order.delivered"]
    assert c.requests == [] and deliveries(database, retired.id) == []
    assert len(deliveries(database, only_delivered.id)) == 1
    assert len(deliveries(database, everything.id)) == 2


def test_failing_receiver_is_retried_with_growing_delays_then_dead(database, cfg):
    """Four attempts, 10 s then 20 s then 40 s apart (no jitter), then dead; nothing is
    sent before it is due, and nothing after it is dead."""
    with Receiver([500] * 10) as receiver:
        hook = register(database, receiver.url)
        event_id = publish_event(database)
        now, delays = T0, []
        for attempt in range(1, 5):
            relay_once(database, cfg, now=now, jitter=NO_JITTER)
            assert len(receiver.requests) == attempt
            [delivery] = deliveries(database, hook.id)
            assert delivery.attempts == attempt and delivery.last_status_code == 500
            assert delivery.last_error == "HTTP 500"
            if attempt < 4:
                assert delivery.status == "pending"
                delays.append(delivery.next_attempt_at - now)
                relay_once(database, cfg, now=delivery.next_attempt_at - timedelta(seconds=1),
                           jitter=NO_JITTER)
                assert len(receiver.requests) == attempt  # not due yet
                now = delivery.next_attempt_at
        assert delays == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
        assert delivery.status == "dead"
        relay_once(database, cfg, now=now + timedelta(days=2))
        assert len(receiver.requests) == 4
    # The same event, the same id and body on every attempt: receivers can de-duplicate.
    assert {r.headers["Dispatch-Event-Id"] for r in receiver.requests} == {event_id}
    assert len({r.body for r in receiver.requests}) == 1
    assert [r.headers["Dispatch-Delivery-Attempt"] for r in receiver.requests] == ["1", "2", "3", "4"]


def test_jitter_adds_at_most_a_quarter(database, cfg):
    with Receiver([500]) as receiver:
        hook = register(database, receiver.url)
        publish_event(database)
        relay_once(database, cfg, now=T0, jitter=lambda: 0.999)
    [delivery] = deliveries(database, hook.id)
    delay = (delivery.next_attempt_at - T0).total_seconds()
    assert 12.4 < delay < 12.5  # 10 s + 24.975 %


def test_receiver_that_recovers_gets_the_event_once_acknowledged(database, cfg):
    with Receiver([503]) as receiver:
        hook = register(database, receiver.url)
        publish_event(database)
        relay_once(database, cfg, now=T0, jitter=NO_JITTER)
        relay_once(database, cfg, now=T0 + timedelta(seconds=10), jitter=NO_JITTER)
        relay_once(database, cfg, now=T0 + timedelta(hours=1), jitter=NO_JITTER)
    assert len(receiver.requests) == 2
    [delivery] = deliveries(database, hook.id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, None)


def test_redirects_are_not_followed(database, cfg):
    with Receiver([302]) as receiver:
        hook = register(database, receiver.url)
        publish_event(database)
        relay_once(database, cfg, now=T0)
    assert [r.path for r in receiver.requests] == ["/hooks"]
    [delivery] = deliveries(database, hook.id)
    assert delivery.status == "pending" and delivery.last_status_code == 302


def test_unreachable_receiver_is_a_failed_attempt(database, cfg):
    with Receiver() as receiver:
        url = receiver.url
    hook = register(database, url)  # the port is closed now
    publish_event(database)
    relay_once(database, cfg, now=T0)
    [delivery] = deliveries(database, hook.id)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None and "Connect" in delivery.last_error


def test_name_is_resolved_once_and_the_checked_address_is_used(database, cfg):
    """The delivery goes to the address that passed the check, naming the host in
    ``Host``; ``receiver.test`` exists only in this test's resolver."""
    def dns(host, port):
        assert host == "receiver.test"
        return ["127.0.0.1"]

    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        register(database, f"http://receiver.test:{port}/hooks", resolve=dns)
        publish_event(database)
        relay_once(database, cfg, now=T0, resolve=dns)
    [request] = receiver.requests
    assert request.headers["Host"] == f"receiver.test:{port}"


def test_dns_rebinding_to_loopback_is_refused_at_send_time(database, cfg):
    """Public when registered, loopback when sent: the send-time check refuses it."""
    strict = cfg.model_copy(update={"webhook_allow_private_targets": False})
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        from dispatch.webhooks import service
        from dispatch.webhooks.schemas import WebhookCreate
        hook = service.create_webhook(
            database.uow(), WebhookCreate(url=f"http://rebind.test:{port}/hooks",
                                          event_types=["*"]),
            allow_private=False, resolve=lambda host, p: ["93.184.216.34"])
        publish_event(database)
        relay_once(database, strict, now=T0, resolve=lambda host, p: ["127.0.0.1"])
    assert receiver.requests == []
    [delivery] = deliveries(database, hook.id)
    assert delivery.status == "pending" and "loopback" in delivery.last_error


def test_concurrent_relays_send_each_event_once(database, cfg):
    """Three relays at once (PostgreSQL: SKIP LOCKED; SQLite: one writer at a time)."""
    with Receiver() as receiver:
        register(database, receiver.url)
        ids = {publish_event(database) for _ in range(12)}
        errors: list[BaseException] = []

        def run():
            try:
                for _ in range(3):
                    relay_once(database, cfg, now=T0)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    sent = [r.headers["Dispatch-Event-Id"] for r in receiver.requests]
    assert sorted(sent) == sorted(ids)
