"""The notification log through the API, after a whole order and return lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.events.relay import relay_once
from dispatch.notifications.templates import format_window
from tests.api.test_returns import act, create, delivered_order
from tests.webhooks.support import relay_settings


@pytest.fixture
def settings(settings, tmp_path):
    return relay_settings(settings, tmp_path, public_url="https://shop.example")


def test_customer_hears_about_every_step_and_the_refund(client, world, database, settings):
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)], card="tok_visa")
    start = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    ret = create(client, world, order, [(0, 1, "damaged")]).json()
    assert act(client, world, ret["id"], "approve", {"pickup_window": window}).status_code == 200
    act(client, world, ret["id"], "pickup", who="dispatcher")
    act(client, world, ret["id"], "receive",
        {"lines": [{"return_line_id": ret["lines"][0]["id"], "outcome": "restock"}]})
    assert act(client, world, ret["id"], "resolve").json()["refund_minor"] == 2840  # the whole order: the delivery fee too
    relay_once(database, settings)

    r = client.get(f"/notifications?order_id={order['id']}", headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    notes = {n["template"]: n for n in r.json()["items"]}
    assert list(notes) == ["order.confirmed", "order.planned", "order.out_for_delivery",
                           "order.delivered", "return.approved", "refund.issued"]
    assert {n["status"] for n in notes.values()} == {"sent"}
    assert {n["recipient"] for n in notes.values()} == {"marie@example.com"}
    assert "delivered to Marie" in notes["order.delivered"]["body"]
    approved = notes["return.approved"]
    assert approved["subject"] == f"Return {ret['id']} approved"
    assert format_window(start, start + timedelta(hours=2)) in approved["body"]
    refund = notes["refund.issued"]
    assert refund["subject"] == "Refund of 28.40 EUR issued"
    assert f"return {ret['id']} of order {order['id']}" in refund["body"]
    link = f"https://shop.example/track/{order['tracking_token']}/page"
    assert link in notes["order.confirmed"]["body"]


def test_filters_and_pages(client, world, database, settings):
    first = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    delivered_order(client, world, [("OAT-MILK-1L", 1)])
    relay_once(database, settings)
    staff = world.auth("dispatcher")
    everything = client.get("/notifications?limit=200", headers=staff).json()["items"]
    assert len(everything) == 8
    mine = client.get(f"/notifications?order_id={first['id']}", headers=staff).json()["items"]
    assert len(mine) == 4 and {n["order_id"] for n in mine} == {first["id"]}
    page = client.get("/notifications?limit=3", headers=staff).json()
    rest = client.get(f"/notifications?limit=200&cursor={page['next_cursor']}",
                      headers=staff).json()
    assert [n["id"] for n in page["items"] + rest["items"]] == [n["id"] for n in everything]
    assert client.get("/notifications?status=failed", headers=staff).json()["items"] == []
    r = client.get("/notifications?status=lost", headers=staff)
    assert r.status_code == 422 and r.json()["field"] == "status"


def test_nothing_is_listed_before_the_relay_runs(client, world):
    delivered_order(client, world, [("RETRO-CLOCK", 1)])
    assert client.get("/notifications", headers=world.auth("admin")).json()["items"] == []
