"""Notifications from real order changes: the right template, recipient, window and link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch.events.outbox import publish
from dispatch.events.relay import relay_once
from dispatch.events.types import EventType
from dispatch.notifications.channels import SmsChannel
from dispatch.notifications.service import list_notifications
from dispatch.notifications.templates import format_window
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.orders.schemas import FailIn
from dispatch.stoplists.models import RouteStop
from tests.support.routes import publish_route, ready_order
from tests.webhooks.support import relay_settings

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def cfg(settings, tmp_path):
    return relay_settings(settings, tmp_path, public_url="https://shop.example/",
                          notification_max_attempts=3, notification_backoff_seconds=30.0)


def _notes(database, order_id):
    items, _ = list_notifications(database.uow(), order_id=order_id, status=None, limit=50,
                                  after=None)
    return items


def _order(database, order_id) -> Order:
    with database.uow() as uow:
        order = uow.db.get(Order, order_id)
        uow.db.expunge(order)
        return order


def test_confirmed_order_tells_the_customer_with_window_and_link(database, world, cfg, tmp_path):
    order_id = ready_order(database, world)
    relay_once(database, cfg, now=T0)
    order = _order(database, order_id)
    [note] = _notes(database, order_id)
    assert (note.template, note.channel, note.recipient, note.status) == (
        "order.confirmed", "log", "marie@example.com", "sent")
    assert note.subject == f"Order {order_id} confirmed"
    assert format_window(order.window_start, order.window_end) in note.body
    assert f"https://shop.example/track/{order.tracking_token}/page" in note.body
    assert note.sent_at == T0 and note.attempts == 1
    [line] = (tmp_path / "notifications.log").read_text().splitlines()
    logged = json.loads(line)
    assert logged["to"] == "marie@example.com" and logged["body"] == note.body
    assert logged["notification_id"] == note.id and logged["order_id"] == order_id


def test_out_for_delivery_gives_the_route_stops_eta_window(database, world, cfg):
    order_id = ready_order(database, world)
    route_start = datetime.now(UTC).replace(microsecond=0)
    publish_route(database, world, "ana", [order_id], start=route_start)
    lifecycle.depart(database.uow(), order_id, world.principals["driver"])
    relay_once(database, cfg, now=T0)
    with database.uow() as uow:
        stop = uow.db.scalars(select(RouteStop).where(RouteStop.order_id == order_id)).one()
        eta_window = format_window(stop.eta_low, stop.eta_high)
    order = _order(database, order_id)
    notes = {n.template: n for n in _notes(database, order_id)}
    assert set(notes) == {"order.confirmed", "order.planned", "order.out_for_delivery"}
    assert eta_window in notes["order.out_for_delivery"].body
    assert eta_window != format_window(order.window_start, order.window_end)
    assert format_window(order.window_start, order.window_end) in notes["order.planned"].body


def test_eta_changed_uses_the_window_in_the_event(database, world, cfg):
    order_id = ready_order(database, world)
    low, high = T0 + timedelta(hours=3), T0 + timedelta(hours=3, minutes=15)
    with database.uow() as uow:
        publish(uow.db, EventType.ETA_CHANGED, {"order_id": order_id, "eta_low": low.isoformat(),
                                                "eta_high": high.isoformat()}, order_id=order_id)
        uow.commit()
    relay_once(database, cfg, now=T0)
    notes = {n.template: n for n in _notes(database, order_id)}
    assert "on Fri 27 Nov 2026 between 12:00 and 12:15 UTC" in notes["order.eta_changed"].body


def test_failed_delivery_sends_the_reschedule_link(database, world, cfg):
    order_id = ready_order(database, world)
    publish_route(database, world, "ana", [order_id])
    lifecycle.depart(database.uow(), order_id, world.principals["driver"])
    lifecycle.fail(database.uow(), order_id, FailIn(reason="not_home"),
                   world.principals["driver"])
    relay_once(database, cfg, now=T0)
    token = _order(database, order_id).tracking_token
    [failed] = [n for n in _notes(database, order_id) if n.template == "order.failed"]
    assert "nobody was home" in failed.body
    assert f"Choose a new delivery time here: https://shop.example/track/{token}/page" in failed.body


def test_sms_channel_addresses_the_phone(database, world, cfg):
    texts = []

    class Recorder:
        def send(self, phone, text):
            texts.append((phone, text))

    order_id = ready_order(database, world)
    relay_once(database, cfg, now=T0, channel=SmsChannel(Recorder()))
    [note] = _notes(database, order_id)
    assert (note.channel, note.recipient, note.status) == ("sms", "+377 93 15 00 00", "sent")
    assert texts == [("+377 93 15 00 00", f"Order {order_id} confirmed. Track your order: "
                      f"https://shop.example/track/{_order(database, order_id).tracking_token}/page")]


def test_failing_channel_is_retried_with_backoff_then_failed(database, world, cfg):
    attempts = []

    class Down:
        name, contact = "log", "any"

        def send(self, message):
            attempts.append(message.notification_id)
            raise ConnectionError("gateway down")

    order_id = ready_order(database, world)
    now = T0
    for expected in (1, 2, 3):
        relay_once(database, cfg, now=now, channel=Down(), jitter=lambda: 0.0)
        [note] = _notes(database, order_id)
        assert len(attempts) == expected == note.attempts
        if expected < 3:
            assert note.status == "pending"
            assert note.next_attempt_at - now == timedelta(seconds=30 * 2 ** (expected - 1))
            now = note.next_attempt_at
    assert note.status == "failed" and note.error == "ConnectionError: gateway down"
    relay_once(database, cfg, now=now + timedelta(days=2), channel=Down())
    assert len(attempts) == 3
