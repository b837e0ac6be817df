"""Fraud screening at placement, through the API on both databases: a risky order waits
on hold with its reasons, stock reserved, until someone approves or rejects it."""

from __future__ import annotations

import pytest

from dispatch.settings import Settings
from tests.api.orders_support import _held, _pick_all
from tests.support.world import order_body

PARIS = (48.8566, 2.3522)
SPOTS = [(43.7384, 7.4246), (43.7445, 7.4340), (43.7290, 7.4150), (43.7400, 7.4270)]


@pytest.fixture
def settings(database):
    return Settings(database_url=str(database.engine.url), migrate_on_start=False,
                    environment="test", relay_enabled=False, wave_scheduler_enabled=False,
                    fraud_screening=True)


def place(client, world, body) -> dict:
    r = client.post("/orders", json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    return r.json()


def card_burst(client, world) -> list[dict]:
    """Four orders on one card within a minute, by four new customers to four doors."""
    return [place(client, world, order_body(card="tok_visa_burst", email=f"c{i}@example.com",
                                            where=where))
            for i, where in enumerate(SPOTS)]


def test_the_fourth_order_on_a_card_within_the_hour_is_held_with_its_reasons(client, world):
    orders = card_burst(client, world)
    assert [o["status"] for o in orders] == ["confirmed"] * 3 + ["on_hold"]
    assert all(o["risk"]["hold"] is False and o["risk"]["reasons"] == [] for o in orders[:3])
    risk = orders[3]["risk"]
    assert risk["hold"] is True and risk["score"] >= 0.6 and risk["decision"] is None
    codes = [r["code"] for r in risk["reasons"]]
    assert codes[0] == "velocity_card"  # heaviest first
    assert "4 orders on this card" in risk["reasons"][0]["detail"]
    # Its stock stays reserved; the timeline says why it waits.
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 4)
    events = client.get(f"/orders/{orders[3]['id']}/events",
                        headers=world.auth("admin")).json()
    assert events[-1]["to_status"] == "on_hold"
    assert events[-1]["reason"].startswith("held by fraud screening (risk")


def test_a_held_order_is_not_picked_until_approved(client, world):
    held = card_burst(client, world)[3]
    lines = {"lines": [{"sku": "RETRO-CLOCK", "quantity": 1}]}
    refused = client.post(f"/orders/{held['id']}/pick", json=lines,
                          headers=world.auth("operator"))
    assert refused.status_code == 409
    r = client.post(f"/orders/{held['id']}/approve", json={"note": "regular, called back"},
                    headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["status"] == "confirmed"
    assert approved["risk"]["decision"] == "approved"
    assert approved["risk"]["decision_note"] == "regular, called back"
    assert _pick_all(client, world, approved)["status"] == "ready"


def test_rejecting_a_held_order_cancels_it_and_releases_its_stock(client, world):
    held = card_burst(client, world)[3]
    r = client.post(f"/orders/{held['id']}/reject", json={"reason": "card testing"},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "card testing")
    assert body["risk"]["decision"] == "cancelled"
    assert body["payment"]["status"] == "voided"
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 3)


def test_only_held_orders_are_approved_or_rejected(client, world):
    confirmed = card_burst(client, world)[0]
    for action, body in (("approve", {}), ("reject", {"reason": "no"})):
        r = client.post(f"/orders/{confirmed['id']}/{action}", json=body,
                        headers=world.auth("dispatcher"))
        assert r.status_code == 409 and r.json()["field"] == "order_id"


def test_the_sandboxs_shared_test_tokens_identify_no_card(client, world):
    """Every test customer pays with tok_visa: four of them are no burst on one card."""
    orders = [place(client, world, order_body(card="tok_visa", email=f"c{i}@example.com",
                                              where=where))
              for i, where in enumerate(SPOTS)]
    assert orders[3]["status"] == "confirmed"
    assert "velocity_card" not in {r["code"] for r in orders[3]["risk"]["reasons"]}


def test_a_new_customer_with_a_big_basket_billed_far_away_is_held(client, world):
    body = order_body([("RETRO-CLOCK", 8)], card="tok_mastercard", email="new@example.com")
    body["payment"].update(billing_lat=PARIS[0], billing_lon=PARIS[1])
    order = place(client, world, body)
    assert order["status"] == "on_hold"
    assert {r["code"] for r in order["risk"]["reasons"]} == {"new_customer_large_basket",
                                                             "far_from_billing"}


def test_half_a_billing_point_is_refused_naming_the_field(client, world):
    body = order_body(card="tok_visa")
    body["payment"]["billing_lat"] = PARIS[0]
    r = client.post("/orders", json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 422 and "billing" in r.text
