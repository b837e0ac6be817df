"""A delivery day end to end, through the HTTP API only (plus the relay's pass).

Stock is received, orders placed and picked, a wave planned and committed; the driver
fetches the route, departs, pings and completes one stop and fails another; the customer's
link shows the ETA moving; webhooks reach a receiver on loopback with valid signatures
and a failed delivery is retried; the payment is captured; the failed order is
rescheduled by its customer and rides the next wave together with a return pickup,
which is collected and restocked. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.events.relay import relay_once
from dispatch.webhooks.signing import verify_signature
from tests.support.world import CASINO, order_body
from tests.webhooks.receiver import Receiver

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a signature image, as far as the magic goes
FAR_NORTH = (CASINO[0] + 0.03, CASINO[1])  # ~3.3 km from the stops


@pytest.fixture
def settings(settings, tmp_path):
    """Loopback webhook receivers allowed; notifications logged under tmp."""
    return settings.model_copy(update={
        "webhook_allow_private_targets": True, "webhook_backoff_seconds": 10.0,
        "notification_log_path": str(tmp_path / "notifications.log"),
    })


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def now() -> datetime:
    return datetime.now(UTC)


def place_and_pick(client, world, email: str, lines=(("RETRO-CLOCK", 1),)) -> dict:
    body = order_body(lines, email=email, card="tok_visa", hours_ahead=0.0)
    order = ok(client.post("/orders", json=body, headers=world.auth("dispatcher")), 201)
    picked = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines]}
    ok(client.post(f"/orders/{order['id']}/pick", json=picked, headers=world.auth("operator")))
    return order


def plan_and_commit(client, world) -> dict:
    plan = ok(client.post("/plans", json={"warehouse_ids": [world.warehouses["MC"]],
                                          "time_limit_seconds": 1},
                          headers=world.auth("dispatcher")), 202)
    deadline = time.monotonic() + 90
    while plan["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "plan still solving after 90 s"
        time.sleep(0.2)
        plan = ok(client.get(f"/plans/{plan['id']}", headers=world.auth("dispatcher")))
    assert plan["status"] == "done", plan
    return ok(client.post(f"/plans/{plan['id']}/commit", headers=world.auth("dispatcher")))


def stop_of(route: dict, **ref) -> dict:
    (key, value), = ref.items()
    return next(s for s in route["stops"] if s[key] == value)


def eta_of(client, token: str) -> datetime:
    tracked = ok(client.get(f"/track/{token}"))
    return datetime.fromisoformat(tracked["eta"]["eta"])


def test_a_delivery_day(client, world, database, settings):
    driver, other = world.auth("driver"), world.auth("other_driver")
    with Receiver([500]) as receiver:  # the first delivery fails, the rest succeed
        hook = ok(client.post("/webhooks", json={"url": receiver.url, "event_types": ["*"]},
                              headers=world.auth("admin")), 201)

        # Stock in, two orders placed and picked, the driver on shift.
        ok(client.post("/stock/receipts", json={
            "warehouse_id": world.warehouses["MC"], "sku": "RETRO-CLOCK", "quantity": 5,
            "reference": "morning delivery"}, headers=world.auth("operator")), 201)
        kept = place_and_pick(client, world, "alice@example.com")
        missed = place_and_pick(client, world, "bob@example.com")
        ok(client.post(f"/drivers/{world.drivers['ana']}/shifts", json={
            "starts_at": (now() - timedelta(hours=1)).isoformat(),
            "ends_at": (now() + timedelta(hours=7)).isoformat()},
            headers=world.auth("dispatcher")), 201)

        # Wave 1: planned, committed, published to ana only.
        plan = plan_and_commit(client, world)
        assert plan["status"] == "committed"
        route = ok(client.get("/drivers/me/route", headers=driver))
        assert {s["order_id"] for s in route["stops"]} == {kept["id"], missed["id"]}
        assert client.get("/drivers/me/route", headers=other).status_code == 404
        first = stop_of(route, order_id=kept["id"])
        r = client.post(f"/drivers/me/stops/{first['id']}/arrived", json={}, headers=other)
        assert r.status_code == 404, r.text

        # Out for delivery; a ping far away moves the customer's ETA later.
        ok(client.post("/drivers/me/route/depart", headers=driver))
        before = eta_of(client, kept["tracking_token"])
        ok(client.post("/drivers/me/location", json={
            "lat": FAR_NORTH[0], "lon": FAR_NORTH[1], "timestamp": now().isoformat()},
            headers=driver))
        assert eta_of(client, kept["tracking_token"]) > before

        # One stop completed with proof, one failed.
        ok(client.post(f"/drivers/me/stops/{first['id']}/arrived",
                       json={"lat": CASINO[0], "lon": CASINO[1]}, headers=driver))
        ok(client.post(f"/drivers/me/stops/{first['id']}/completed",
                       json={"recipient_name": "Alice", "lat": CASINO[0], "lon": CASINO[1]},
                       headers=driver))
        ok(client.put(f"/drivers/me/stops/{first['id']}/proof", content=PNG,
                      headers={**driver, "Content-Type": "image/png"}))
        second = stop_of(route, order_id=missed["id"])
        ok(client.post(f"/drivers/me/stops/{second['id']}/failed",
                       json={"reason": "not_home"}, headers=driver))
        payment = ok(client.get(f"/orders/{kept['id']}/payment", headers=world.auth("admin")))
        assert payment["status"] == "captured"
        assert ok(client.get(f"/orders/{missed['id']}", headers=world.auth("admin"))
                  )["status"] == "ready"

        # Webhooks: signed; the failed first delivery is retried after its backoff.
        relay_once(database, settings)
        relay_once(database, settings, now=now() + timedelta(minutes=5))
        received = [json.loads(req.body) for req in receiver.requests]
        for req in receiver.requests:
            assert verify_signature(hook["secret"], req.headers["Dispatch-Signature"],
                                    req.body, now=now())
        ids = [event["id"] for event in received]
        assert len(ids) == len(set(ids)) + 1  # exactly one event arrived twice: the retry
        types = {event["type"] for event in received}
        assert {"order.planned", "order.out_for_delivery", "order.delivered",
                "order.failed", "stop.completed", "stop.failed"} <= types
        failed_note = ok(client.get("/notifications", params={"order_id": missed["id"]},
                                    headers=world.auth("dispatcher")))["items"]
        assert any(f"/track/{missed['tracking_token']}/page" in n["body"] for n in failed_note)

    # The customer of the missed order picks a new window; the delivered one starts a return.
    start = now() + timedelta(minutes=10)
    ok(client.post(f"/track/{missed['tracking_token']}/reschedule", json={"window": {
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}}))
    delivered = ok(client.get(f"/orders/{kept['id']}", headers=world.auth("admin")))
    ret = ok(client.post(f"/track/{kept['tracking_token']}/returns", json={
        "lines": [{"order_line_id": delivered["lines"][0]["id"], "quantity": 1,
                   "reason": "no_longer_needed"}], "resolution": "refund"}), 201)
    ok(client.post(f"/returns/{ret['id']}/approve", json={"pickup_window": {
        "start": now().isoformat(), "end": (now() + timedelta(hours=3)).isoformat()}},
        headers=world.auth("operator")))
    on_hand = ok(client.get(f"/stock/{world.warehouses['MC']}/RETRO-CLOCK",
                            headers=world.auth("operator")))["on_hand"]

    # Wave 2: the rescheduled order and the pickup ride together.
    plan_and_commit(client, world)
    route = ok(client.get("/drivers/me/route", headers=driver))
    assert {(s["kind"], s["order_id"] or s["return_id"]) for s in route["stops"]
            if s["status"] == "pending"} == {("delivery", missed["id"]), ("pickup", ret["id"])}
    for stop in route["stops"]:
        if stop["status"] == "pending":
            ok(client.post(f"/drivers/me/stops/{stop['id']}/completed",
                           json={"recipient_name": "Bob"}, headers=driver))
    assert ok(client.get(f"/returns/{ret['id']}", headers=world.auth("operator"))
              )["status"] == "picked_up"
    assert ok(client.get(f"/orders/{missed['id']}", headers=world.auth("admin"))
              )["status"] == "delivered"
    ok(client.post(f"/returns/{ret['id']}/receive", json={"lines": [
        {"return_line_id": ret["lines"][0]["id"], "outcome": "restock"}]},
        headers=world.auth("operator")))
    level = ok(client.get(f"/stock/{world.warehouses['MC']}/RETRO-CLOCK",
                          headers=world.auth("operator")))
    assert level["on_hand"] == on_hand  # -1 for the second delivery, +1 restocked
