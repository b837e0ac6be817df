"""An order's whole life through the HTTP API, on SQLite and PostgreSQL."""

from tests.support.world import order_body


def _level(client, world, wh, sku):
    r = client.get(f"/stock/{world.warehouses[wh]}/{sku}", headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    return r.json()


def test_order_lifecycle_moves_stock_and_money(client, world):
    """Placed → ready → planned → out → delivered: reserved, shipped, captured."""
    r = client.post("/orders", json=order_body([("RETRO-CLOCK", 2)], card="tok_visa"),
                    headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "confirmed"
    assert order["warehouse_id"] == world.warehouses["MC"]
    assert order["total_minor"] == 2 * 2490 + 350
    assert order["payment"]["status"] == "authorised"
    assert _level(client, world, "MC", "RETRO-CLOCK")["reserved"] == 2
    oid = order["id"]
    r = client.post(f"/orders/{oid}/pick", json={"lines": [{"sku": "RETRO-CLOCK", "quantity": 2}]},
                    headers=world.auth("operator"))
    assert r.json()["status"] == "ready", r.text
    r = client.post(f"/orders/{oid}/assign", json={"driver_id": world.drivers["ana"]},
                    headers=world.auth("dispatcher"))
    assert r.json()["status"] == "planned", r.text
    r = client.post(f"/orders/{oid}/depart", headers=world.auth("driver"))
    assert r.json()["status"] == "out_for_delivery", r.text
    r = client.post(f"/orders/{oid}/deliver", json={"recipient_name": "Marie"},
                    headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "delivered"
    assert r.json()["payment"]["status"] == "captured"
    level = _level(client, world, "MC", "RETRO-CLOCK")
    assert (level["on_hand"], level["reserved"]) == (8, 0)


def test_nearest_warehouse_lacking_stock_is_skipped(client, world):
    """The lamp exists only in Nice, so a Monaco order for it is served from Nice."""
    r = client.post("/orders", json=order_body([("LAST-UNIT-LAMP", 1)]),
                    headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    assert r.json()["warehouse_id"] == world.warehouses["NCE"]


def test_shortfall_is_409_and_reserves_nothing(client, world):
    """Six espresso bags and oat milk: Monaco lacks beans, Nice lacks milk; nothing held."""
    r = client.post("/orders", json=order_body([("ESPRESSO-BEANS", 6), ("OAT-MILK-1L", 1)]),
                    headers=world.auth("dispatcher"))
    assert r.status_code == 409, r.text
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    # Both warehouses are one unit short; Monaco is nearer, so its shortfall is quoted.
    assert body["shortfall"] == [{"sku": "ESPRESSO-BEANS", "requested": 6, "available": 5}]
    assert body["warehouse_id"] == world.warehouses["MC"]
    nice = [w for w in body["warehouses"] if w["warehouse_id"] == world.warehouses["NCE"]]
    assert nice[0]["shortfall"] == [{"sku": "OAT-MILK-1L", "requested": 1, "available": 0}]
    assert _level(client, world, "MC", "ESPRESSO-BEANS")["reserved"] == 0
    assert _level(client, world, "MC", "OAT-MILK-1L")["reserved"] == 0


def test_declined_card_is_402_and_releases_stock(client, world):
    """A declined card: 402 naming the token field; the order is kept as cancelled."""
    r = client.post("/orders", json=order_body(card="tok_chargeDeclined"),
                    headers=world.auth("dispatcher"))
    assert r.status_code == 402, r.text
    assert r.json()["field"] == "payment.card_token"
    assert _level(client, world, "MC", "RETRO-CLOCK")["reserved"] == 0
    kept = client.get(f"/orders/{r.json()['order_id']}", headers=world.auth("admin")).json()
    assert kept["status"] == "cancelled"
    assert kept["payment"]["status"] == "declined"
