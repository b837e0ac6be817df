"""An order's payment through the HTTP API: reading it and refunding part of it."""

from __future__ import annotations

from tests.api.test_returns import delivered_order
from tests.support.world import order_body


def refund(client, world, oid, amount, who="admin", **headers):
    return client.post(f"/orders/{oid}/payment/refund",
                       json={"amount_minor": amount, "reason": "goodwill"},
                       headers={**world.auth(who), **headers})


def test_partial_then_over_refund(client, world):
    """Of 2840 captured, 1000 is refunded; 2000 more would exceed the 1840 left: 409."""
    oid = delivered_order(client, world, [("RETRO-CLOCK", 1)], card="tok_visa")["id"]
    r = refund(client, world, oid, 1000)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["captured_minor"], r.json()["refunded_minor"]) == (
        "partially_refunded", 2840, 1000)
    r = refund(client, world, oid, 2000)
    assert (r.status_code, r.json()["refundable_minor"]) == (409, 1840)
    r = refund(client, world, oid, 1840)
    assert (r.json()["status"], r.json()["refunded_minor"]) == ("refunded", 2840)


def test_idempotency_key_replay_refunds_once(client, world):
    """The same key sent twice replays the first answer; only 500 leaves, not 1000."""
    oid = delivered_order(client, world, [("RETRO-CLOCK", 1)])["id"]
    first = refund(client, world, oid, 500, **{"Idempotency-Key": "refund-1"})
    again = refund(client, world, oid, 500, **{"Idempotency-Key": "refund-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    paid = client.get(f"/orders/{oid}/payment", headers=world.auth("dispatcher")).json()
    assert (paid["method"], paid["refunded_minor"]) == ("cash_on_delivery", 500)


def test_client_key_cannot_shadow_a_return_refund(client, world):
    """A manual refund keyed "return:<id>" does not stop that return from being refunded."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 2)])
    body = {"lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1,
                       "reason": "other"}], "resolution": "refund"}
    ret = client.post(f"/orders/{order['id']}/returns", json=body,
                      headers=world.auth("operator")).json()
    assert refund(client, world, order["id"], 100,
                  **{"Idempotency-Key": f"return:{ret['id']}"}).status_code == 200
    inspection = {"lines": [{"return_line_id": ret["lines"][0]["id"], "outcome": "restock"}]}
    for action, payload in (("approve", {}), ("pickup", None), ("receive", inspection),
                            ("resolve", None)):
        r = client.post(f"/returns/{ret['id']}/{action}", json=payload,
                        headers=world.auth("admin"))
        assert r.status_code == 200, r.text
    paid = client.get(f"/orders/{order['id']}/payment", headers=world.auth("admin")).json()
    assert paid["refunded_minor"] == 100 + 2490


def test_refund_before_capture_is_409(client, world):
    """A confirmed order has nothing captured yet, so nothing can be refunded."""
    oid = client.post("/orders", json=order_body(), headers=world.auth("dispatcher")).json()["id"]
    r = refund(client, world, oid, 100)
    assert (r.status_code, r.json()["refundable_minor"]) == (409, 0)


def test_roles(client, world):
    """Operators may read a payment but not refund it; drivers may not even read it."""
    oid = delivered_order(client, world, [("RETRO-CLOCK", 1)])["id"]
    assert client.get(f"/orders/{oid}/payment", headers=world.auth("operator")).status_code == 200
    assert refund(client, world, oid, 100, who="operator").status_code == 403
    assert client.get(f"/orders/{oid}/payment", headers=world.auth("driver")).status_code == 403
    assert client.get("/orders/999999/payment", headers=world.auth("admin")).status_code == 404
