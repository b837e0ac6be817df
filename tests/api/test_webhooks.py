"""Webhook endpoints through the HTTP API: register, read, deactivate, deliveries, retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatch.events.relay import relay_once
from dispatch.events.types import EventType
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import publish_event, relay_settings

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings, tmp_path):
    """Loopback receivers allowed (they are the only ones a test can run)."""
    return relay_settings(settings, tmp_path, webhook_max_attempts=2)


def _create(client, world, url, event_types=("*",), **extra):
    return client.post("/webhooks", json={"url": url, "event_types": list(event_types), **extra},
                       headers=world.auth("admin"))


def _problem(response, status, field):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field, response.json()
    return response.json()


def test_register_shows_the_secret_once(client, world):
    r = _create(client, world, "http://127.0.0.1:9/in", ["order.delivered", "order.failed"],
                description="ERP")
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"] == f"/webhooks/{created['id']}"
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["secret_prefix"] == created["secret"][:10]
    assert (created["event_types"], created["active"], created["description"]) == (
        ["order.delivered", "order.failed"], True, "ERP")
    read = client.get(f"/webhooks/{created['id']}", headers=world.auth("admin")).json()
    listed = client.get("/webhooks", headers=world.auth("admin")).json()["items"]
    for body in (read, listed[0]):
        assert "secret" not in body and body["secret_prefix"] == created["secret_prefix"]
        assert created["secret"] not in str(body)


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://127.0.0.1/in", "http"), ("http://user:pw@127.0.0.1/in", "credentials"),
    ("not a url", "spaces"), ("https://", "host"),
])
def test_bad_urls_are_422_naming_url(client, world, url, words):
    assert words in _problem(_create(client, world, url), 422, "url")["detail"]


def test_private_targets_are_refused_unless_allowed(database, world, settings):
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    with TestClient(create_app(strict, database), raise_server_exceptions=False) as client:
        for url in ("http://127.0.0.1:8080/in", "http://localhost/in", "http://10.0.0.2/in",
                    "http://169.254.169.254/latest/meta-data", "http://[::1]/in"):
            _problem(_create(client, world, url), 422, "url")
        assert _create(client, world, "https://93.184.216.34/in").status_code == 201


def test_unknown_event_type_is_422_naming_the_item(client, world):
    r = _create(client, world, "http://127.0.0.1:9/in", ["order.delivered", "order.teleported"])
    _problem(r, 422, "event_types[1]")
    _problem(_create(client, world, "http://127.0.0.1:9/in", []), 422, "event_types")


def test_star_subscribes_to_everything(client, world):
    r = _create(client, world, "http://127.0.0.1:9/in", ["order.failed", "*"])
    assert r.json()["event_types"] == ["*"]


def test_deactivated_endpoint_gets_nothing(client, world, database, settings):
    with Receiver() as receiver:
        hook = _create(client, world, receiver.url).json()
        r = client.delete(f"/webhooks/{hook['id']}", headers=world.auth("admin"))
        assert r.status_code == 200 and r.json()["active"] is False
        again = client.delete(f"/webhooks/{hook['id']}", headers=world.auth("admin"))
        assert again.json()["active"] is False  # idempotent
        publish_event(database)
        relay_once(database, settings, now=T0)
    assert receiver.requests == []


def test_dead_delivery_is_listed_and_retried_by_hand(client, world, database, settings):
    """Two failed attempts: dead. Retry: pending now, then delivered with the same event id."""
    admin = world.auth("admin")
    with Receiver([500, 500]) as receiver:
        hook = _create(client, world, receiver.url, ["order.delivered"]).json()
        event_id = publish_event(database, EventType.ORDER_DELIVERED)
        relay_once(database, settings, now=T0, jitter=lambda: 0.0)
        relay_once(database, settings, now=T0 + timedelta(seconds=10), jitter=lambda: 0.0)
        page = client.get(f"/webhooks/{hook['id']}/deliveries", headers=admin).json()
        [dead] = page["items"]
        assert (dead["status"], dead["attempts"], dead["last_status_code"]) == ("dead", 2, 500)
        assert dead["last_error"] == "HTTP 500" and dead["event_id"] == event_id
        assert dead["event_type"] == "order.delivered"
        filtered = client.get(f"/webhooks/{hook['id']}/deliveries?status=pending", headers=admin)
        assert filtered.json()["items"] == []

        retry = f"/webhooks/{hook['id']}/deliveries/{dead['id']}/retry"
        r = client.post(retry, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "pending"
        assert datetime.fromisoformat(r.json()["next_attempt_at"]) <= datetime.now(UTC)
        relay_once(database, settings)
        delivered = client.get(f"/webhooks/{hook['id']}/deliveries", headers=admin).json()
        assert delivered["items"][0]["status"] == "delivered"
        assert delivered["items"][0]["attempts"] == 3
        _problem(client.post(retry, headers=admin), 409, "delivery_id")  # not dead any more
    assert [r.headers["Dispatch-Event-Id"] for r in receiver.requests] == [event_id] * 3


def test_delivery_of_another_endpoint_is_404(client, world, database, settings):
    with Receiver([500, 500]) as receiver:
        mine = _create(client, world, receiver.url).json()
        other = _create(client, world, "http://127.0.0.1:9/in", ["plan.committed"]).json()
        publish_event(database)
        relay_once(database, settings, now=T0)
    [delivery] = client.get(f"/webhooks/{mine['id']}/deliveries",
                            headers=world.auth("admin")).json()["items"]
    r = client.post(f"/webhooks/{other['id']}/deliveries/{delivery['id']}/retry",
                    headers=world.auth("admin"))
    _problem(r, 404, "delivery_id")
    _problem(client.get("/webhooks/999/deliveries", headers=world.auth("admin")), 404,
             "webhook_id")


def test_listing_pages_with_a_cursor(client, world):
    ids = [_create(client, world, f"http://127.0.0.1:9/in{i}").json()["id"] for i in range(3)]
    first = client.get("/webhooks?limit=2", headers=world.auth("admin")).json()
    second = client.get(f"/webhooks?limit=2&cursor={first['next_cursor']}",
                        headers=world.auth("admin")).json()
    assert [w["id"] for w in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
