"""Returns through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.returns.models import Return
from tests.support.world import order_body


def delivered_order(client, world, lines, *, card: str | None = None) -> dict:
    """Place ``lines`` and drive the order to delivered, as the orders flow test does."""
    r = client.post("/orders", json=order_body(lines, card=card), headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    picked = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines]}
    steps = [("pick", picked, "operator"), ("assign", {"driver_id": world.drivers["ana"]},
             "dispatcher"), ("depart", None, "driver"),
             ("deliver", {"recipient_name": "Marie"}, "driver")]
    for step, body, who in steps:
        r = client.post(f"/orders/{oid}/{step}", json=body, headers=world.auth(who))
        assert r.status_code == 200, r.text
    return r.json()


def request_body(order, lines, resolution="refund", **extra) -> dict:
    return {"lines": [{"order_line_id": order["lines"][i]["id"], "quantity": q, "reason": why}
                      for i, q, why in lines], "resolution": resolution, **extra}


def create(client, world, order, lines, **extra):
    return client.post(f"/orders/{order['id']}/returns", json=request_body(order, lines, **extra),
                       headers=world.auth("operator"))


def act(client, world, rid, action, body=None, who="operator", **headers):
    return client.post(f"/returns/{rid}/{action}", json=body,
                       headers={**world.auth(who), **headers})


def level(client, world, wh, sku) -> tuple[int, int]:
    r = client.get(f"/stock/{world.warehouses[wh]}/{sku}", headers=world.auth("operator"))
    return r.json()["on_hand"], r.json()["reserved"]


def test_refund_flow_restocks_and_refunds(client, world):
    """Request → approve → pickup → receive (restock + scrap) → resolve: exact stock and money."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 2), ("OAT-MILK-1L", 3)],
                            card="tok_visa")
    start = datetime.now(UTC) + timedelta(days=1)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    r = create(client, world, order, [(0, 1, "damaged"), (1, 2, "no_longer_needed")],
               pickup_window=window)
    assert r.status_code == 201, r.text
    ret = r.json()
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"/returns/{ret['id']}"
    assert [(x["sku"], x["quantity"], x["unit_price_minor"]) for x in ret["lines"]] == [
        ("RETRO-CLOCK", 1, 2490), ("OAT-MILK-1L", 2, 219)]
    rid = ret["id"]
    r = act(client, world, rid, "approve", {}, **{"If-Match": '"1"'})
    assert (r.status_code, r.json()["status"], r.headers["ETag"]) == (200, "approved", '"2"')
    assert r.json()["pickup_window"] is not None
    assert act(client, world, rid, "pickup", who="dispatcher").json()["status"] == "picked_up"
    inspection = {"lines": [{"return_line_id": ret["lines"][0]["id"], "outcome": "restock"},
                            {"return_line_id": ret["lines"][1]["id"], "outcome": "scrap"}]}
    r = act(client, world, rid, "receive", inspection)
    assert r.json()["status"] == "received", r.text
    assert level(client, world, "MC", "RETRO-CLOCK") == (9, 0)
    assert level(client, world, "MC", "OAT-MILK-1L") == (47, 0)
    r = act(client, world, rid, "resolve", **{"Idempotency-Key": "resolve-1"})
    assert (r.status_code, r.json()["status"], r.json()["refund_minor"]) == (200, "refunded", 2928)
    payment = client.get(f"/orders/{order['id']}/payment", headers=world.auth("admin")).json()
    assert (payment["status"], payment["refunded_minor"]) == ("partially_refunded", 2928)
    moves = client.get("/stock/movements", params={"warehouse_id": world.warehouses["MC"]},
                       headers=world.auth("operator")).json()["items"]
    restocks = [(m["kind"], m["sku"], m["quantity"]) for m in moves if m["return_id"] == rid]
    assert restocks == [("return_restock", "RETRO-CLOCK", 1)]


def test_over_return_is_422_naming_the_quantity(client, world):
    """One of two clocks already requested: asking for two more is 422 on lines[0].quantity."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 2)])
    assert create(client, world, order, [(0, 1, "damaged")]).status_code == 201
    r = create(client, world, order, [(0, 2, "damaged")])
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["limit"]) == ("lines[0].quantity", 1)


def test_undelivered_order_is_409(client, world):
    """A confirmed order cannot be returned yet."""
    r = client.post("/orders", json=order_body(), headers=world.auth("dispatcher"))
    order = r.json()
    r = create(client, world, order, [(0, 1, "damaged")])
    assert (r.status_code, r.json()["field"]) == (409, "order_id")
    assert r.json()["order_status"] == "confirmed"


def test_closed_window_is_409(client, world, settings):
    """With a zero-day window, a return asked for after delivery is too late."""
    settings.return_window_days = 0
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    r = create(client, world, order, [(0, 1, "damaged")])
    assert r.status_code == 409, r.text
    assert "return window closed" in r.json()["detail"]


def test_replacement_lines_must_match_the_resolution(client, world):
    """An exchange without replacements, or a refund with them, is 422 on replacement_lines."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    r = create(client, world, order, [(0, 1, "damaged")], resolution="exchange")
    assert (r.status_code, r.json()["field"]) == (422, "replacement_lines")
    r = create(client, world, order, [(0, 1, "damaged")],
               replacement_lines=[{"sku": "OAT-MILK-1L", "quantity": 1}])
    assert (r.status_code, r.json()["field"]) == (422, "replacement_lines")
    r = create(client, world, order, [(0, 1, "damaged")], resolution="exchange",
               replacement_lines=[{"sku": "NO-SUCH-SKU", "quantity": 1}])
    assert (r.status_code, r.json()["field"]) == (422, "replacement_lines[0].sku")


def test_exchange_creates_confirmed_order_and_refunds_difference(client, world):
    """A clock (2490) for beans (1890): new order confirmed with beans reserved, 600 back."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1), ("OAT-MILK-1L", 1)],
                            card="tok_visa")
    r = create(client, world, order, [(0, 1, "wrong_item")], resolution="exchange",
               replacement_lines=[{"sku": "ESPRESSO-BEANS", "quantity": 1}])
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    act(client, world, rid, "approve", {})
    act(client, world, rid, "pickup")
    act(client, world, rid, "receive", {"lines": [
        {"return_line_id": r.json()["lines"][0]["id"], "outcome": "restock"}]})
    r = act(client, world, rid, "resolve")
    assert (r.status_code, r.json()["status"], r.json()["refund_minor"]) == (200, "exchanged", 600)
    new = client.get(f"/orders/{r.json()['exchange_order_id']}",
                     headers=world.auth("admin")).json()
    assert (new["status"], new["total_minor"], new["warehouse_id"]) == (
        "confirmed", 0, world.warehouses["MC"])
    assert [(x["sku"], x["quantity"]) for x in new["lines"]] == [("ESPRESSO-BEANS", 1)]
    assert new["payment"]["status"] == "authorised"
    assert level(client, world, "MC", "ESPRESSO-BEANS") == (5, 1)
    paid = client.get(f"/orders/{order['id']}/payment", headers=world.auth("admin")).json()
    assert paid["refunded_minor"] == 600


def test_exchange_short_of_stock_is_409_and_return_stays_received(client, world):
    """Ten clocks swapped for ten, the returned ones scrapped and Nice's all taken: 409."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 10)])
    r = create(client, world, order, [(0, 10, "damaged")], resolution="exchange",
               replacement_lines=[{"sku": "RETRO-CLOCK", "quantity": 10}])
    rid, line_id = r.json()["id"], r.json()["lines"][0]["id"]
    # Nice's 20 clocks go to another order before the exchange is settled.
    r = client.post("/orders", json=order_body([("RETRO-CLOCK", 20)], email="x@example.com"),
                    headers=world.auth("dispatcher"))
    assert r.json()["warehouse_id"] == world.warehouses["NCE"]
    act(client, world, rid, "approve", {})
    act(client, world, rid, "pickup")
    act(client, world, rid, "receive", {"lines": [{"return_line_id": line_id, "outcome": "scrap"}]})
    r = act(client, world, rid, "resolve")
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("insufficient_stock")
    assert r.json()["shortfall"] == [{"sku": "RETRO-CLOCK", "requested": 10, "available": 0}]
    ret = client.get(f"/returns/{rid}", headers=world.auth("operator")).json()
    assert (ret["status"], ret["exchange_order_id"], ret["refund_minor"]) == ("received", None,
                                                                               None)


def test_illegal_transitions_are_409(client, world):
    """Approving twice, or receiving before pickup, is refused as an illegal transition."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    rid = create(client, world, order, [(0, 1, "other")]).json()["id"]
    assert act(client, world, rid, "approve", {}).status_code == 200
    r = act(client, world, rid, "approve", {})
    assert (r.status_code, r.json()["current"], r.json()["target"]) == (409, "approved",
                                                                       "approved")
    r = act(client, world, rid, "receive", {"lines": [{"return_line_id": 1, "outcome": "scrap"}]})
    assert r.status_code == 409


def test_stale_if_match_is_412(client, world):
    """An If-Match from before another change is refused and changes nothing."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    rid = create(client, world, order, [(0, 1, "other")]).json()["id"]
    assert act(client, world, rid, "approve", {}, **{"If-Match": '"1"'}).status_code == 200
    r = act(client, world, rid, "pickup", **{"If-Match": '"1"'})
    assert (r.status_code, r.json()["current_version"]) == (412, 2)
    assert client.get(f"/returns/{rid}", headers=world.auth("admin")).json()["status"] == "approved"


def test_driver_sees_only_returns_assigned_to_them(client, world, database):
    """Bruno gets 404 for Ana's pickup and an empty list; Ana can see and collect it."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    rid = create(client, world, order, [(0, 1, "damaged")]).json()["id"]
    act(client, world, rid, "approve", {})
    with database.uow() as uow:  # the dispatch loop puts the pickup on Ana's route
        uow.db.get(Return, rid).driver_id = world.drivers["ana"]
        uow.commit()
    assert client.get(f"/returns/{rid}", headers=world.auth("other_driver")).status_code == 404
    assert act(client, world, rid, "pickup", who="other_driver").status_code == 404
    listed = client.get("/returns", headers=world.auth("other_driver")).json()["items"]
    assert listed == []
    assert client.get("/returns", headers=world.auth("driver")).json()["items"][0]["id"] == rid
    r = act(client, world, rid, "pickup", who="driver")
    assert (r.status_code, r.json()["status"]) == (200, "picked_up")


def test_roles_are_enforced(client, world):
    """A dispatcher may not approve; a driver may not request a return."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 1)])
    rid = create(client, world, order, [(0, 1, "damaged")]).json()["id"]
    assert act(client, world, rid, "approve", {}, who="dispatcher").status_code == 403
    r = client.post(f"/orders/{order['id']}/returns",
                    json=request_body(order, [(0, 1, "damaged")]), headers=world.auth("driver"))
    assert r.status_code == 403


def test_request_replay_with_idempotency_key_creates_one_return(client, world):
    """The same Idempotency-Key twice: the first return is replayed, no second one exists."""
    order = delivered_order(client, world, [("RETRO-CLOCK", 2)])
    body = request_body(order, [(0, 1, "damaged")])
    headers = {**world.auth("operator"), "Idempotency-Key": "ret-1"}
    first = client.post(f"/orders/{order['id']}/returns", json=body, headers=headers)
    again = client.post(f"/orders/{order['id']}/returns", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = client.get("/returns", params={"order_id": order["id"]},
                        headers=world.auth("admin")).json()["items"]
    assert len(listed) == 1
