"""Stock through the HTTP API: receipts, adjustments, thresholds, alerts and the ledger.

The seeded world holds, in Monaco (MC): 10 clocks, 50 oat milk, 5 espresso bags; in
Nice (NCE): 20 clocks, 30 espresso bags and a single lamp. Each opening quantity is one
receipt in the ledger, so the ledger starts with six entries.
"""

from __future__ import annotations

from collections import defaultdict

from tests.support.world import order_body

PROBLEM = "application/problem+json"


def _level(client, world, wh, sku):
    r = client.get(f"/stock/{world.warehouses[wh]}/{sku}", headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    return r.json()


def _receive(client, world, wh, sku, quantity, **extra):
    body = {"warehouse_id": world.warehouses[wh], "sku": sku, "quantity": quantity, **extra}
    return client.post("/stock/receipts", json=body, headers=world.auth("operator"))


def _adjust(client, world, wh, sku, quantity, kind="adjustment", reason="cycle count"):
    body = {"warehouse_id": world.warehouses[wh], "sku": sku, "kind": kind,
            "quantity": quantity, "reason": reason}
    return client.post("/stock/adjustments", json=body, headers=world.auth("operator"))


def _movements(client, world, **params):
    r = client.get("/stock/movements", params={"limit": 200, **params},
                   headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return r.json()["items"]


def _place(client, world, lines, **kwargs):
    r = client.post("/orders", json=order_body(lines, **kwargs), headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    return r.json()


def _problem(response, status, field):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == field, response.json()
    return response.json()


# --- Receipts, adjustments, scrap --------------------------------------------------------


def test_receipt_adjustment_and_scrap_change_on_hand_exactly(client, world):
    """10 clocks +7 received, -3 and +2 counted, 4 scrapped: 17, 14, 16, then 12 on hand."""
    r = _receive(client, world, "MC", "RETRO-CLOCK", 7, reference="PO-2024-001")
    assert r.status_code == 201, r.text
    assert (r.json()["on_hand"], r.json()["reserved"], r.json()["available"]) == (17, 0, 17)

    r = _adjust(client, world, "MC", "RETRO-CLOCK", -3)
    assert r.status_code == 201, r.text
    assert r.json()["on_hand"] == 14

    r = _adjust(client, world, "MC", "RETRO-CLOCK", 2)
    assert r.status_code == 201, r.text
    assert r.json()["on_hand"] == 16

    r = _adjust(client, world, "MC", "RETRO-CLOCK", 4, kind="scrap", reason="dropped pallet")
    assert r.status_code == 201, r.text
    assert r.json()["on_hand"] == 12

    assert _level(client, world, "MC", "RETRO-CLOCK")["on_hand"] == 12
    # The other warehouse's clocks are untouched.
    assert _level(client, world, "NCE", "RETRO-CLOCK")["on_hand"] == 20

    newest = _movements(client, world, sku="RETRO-CLOCK",
                        warehouse_id=world.warehouses["MC"])[:4]
    assert [(m["kind"], m["quantity"], m["on_hand_delta"]) for m in newest] == [
        ("scrap", 4, -4),
        ("adjustment", 2, 2),
        ("adjustment", -3, -3),
        ("receipt", 7, 7),
    ]
    assert newest[0]["reason"] == "dropped pallet"
    assert newest[3]["reference"] == "PO-2024-001"


def test_receipt_creates_a_level_where_none_existed(client, world):
    """Nice has never stocked oat milk: receiving 12 creates the level with 12 on hand."""
    r = client.get(f"/stock/{world.warehouses['NCE']}/OAT-MILK-1L",
                   headers=world.auth("operator"))
    assert r.status_code == 404
    r = _receive(client, world, "NCE", "OAT-MILK-1L", 12)
    assert r.status_code == 201, r.text
    assert _level(client, world, "NCE", "OAT-MILK-1L")["on_hand"] == 12


def test_adjustment_below_zero_is_409_and_changes_nothing(client, world):
    """Monaco has 5 espresso bags: -6 (or scrapping 6) is refused; level and ledger stay."""
    before = _movements(client, world)
    r = _adjust(client, world, "MC", "ESPRESSO-BEANS", -6)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "quantity"
    r = _adjust(client, world, "MC", "ESPRESSO-BEANS", 6, kind="scrap", reason="wet")
    assert r.status_code == 409, r.text
    level = _level(client, world, "MC", "ESPRESSO-BEANS")
    assert (level["on_hand"], level["reserved"]) == (5, 0)
    assert _movements(client, world) == before


def test_adjustment_cannot_take_reserved_units(client, world):
    """3 of Monaco's 5 bags are reserved by an order: removing 3 would leave 2 for 3 promised."""
    _place(client, world, [("ESPRESSO-BEANS", 3)])
    r = _adjust(client, world, "MC", "ESPRESSO-BEANS", -3)
    assert r.status_code == 409, r.text
    level = _level(client, world, "MC", "ESPRESSO-BEANS")
    assert (level["on_hand"], level["reserved"], level["available"]) == (5, 3, 2)
    # Removing the two unpromised bags is fine.
    r = _adjust(client, world, "MC", "ESPRESSO-BEANS", -2)
    assert r.status_code == 201, r.text
    assert (r.json()["on_hand"], r.json()["reserved"], r.json()["available"]) == (3, 3, 0)


def test_adjustment_of_zero_is_422_naming_quantity(client, world):
    """An adjustment by 0 units changes nothing and is refused, naming quantity."""
    before = _movements(client, world)
    _problem(_adjust(client, world, "MC", "RETRO-CLOCK", 0), 422, "quantity")
    assert _movements(client, world) == before


def test_negative_scrap_is_422_naming_quantity(client, world):
    """Scrap takes a positive number of units; -2 is refused, naming quantity."""
    _problem(_adjust(client, world, "MC", "RETRO-CLOCK", -2, kind="scrap"), 422, "quantity")
    assert _level(client, world, "MC", "RETRO-CLOCK")["on_hand"] == 10


def test_unknown_sku_is_404_naming_sku(client, world):
    """Receipts, adjustments, thresholds and level reads of an unknown SKU: 404 on sku."""
    _problem(_receive(client, world, "MC", "NO-SUCH-SKU", 1), 404, "sku")
    _problem(_adjust(client, world, "MC", "NO-SUCH-SKU", 1), 404, "sku")
    r = client.put(f"/stock/{world.warehouses['MC']}/NO-SUCH-SKU/thresholds",
                   json={"safety_stock": 1, "reorder_point": 2}, headers=world.auth("operator"))
    _problem(r, 404, "sku")
    r = client.get(f"/stock/{world.warehouses['MC']}/NO-SUCH-SKU", headers=world.auth("operator"))
    _problem(r, 404, "sku")


def test_unknown_warehouse_is_404_naming_warehouse_id(client, world):
    """A receipt into warehouse 999, which does not exist: 404 naming warehouse_id."""
    body = {"warehouse_id": 999, "sku": "RETRO-CLOCK", "quantity": 1}
    r = client.post("/stock/receipts", json=body, headers=world.auth("operator"))
    _problem(r, 404, "warehouse_id")


def test_dispatcher_may_read_but_not_write_stock(client, world):
    """Dispatchers read levels but may not receive goods (403)."""
    body = {"warehouse_id": world.warehouses["MC"], "sku": "RETRO-CLOCK", "quantity": 1}
    r = client.post("/stock/receipts", json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 403, r.text
    r = client.get("/stock", headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    assert _level(client, world, "MC", "RETRO-CLOCK")["on_hand"] == 10


# --- Thresholds and alerts ---------------------------------------------------------------


def _alerts(client, world, **params):
    r = client.get("/stock/alerts", params=params, headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    return sorted((item["warehouse_id"], item["sku"]) for item in r.json()["items"])


def test_alerts_list_exactly_the_levels_at_or_below_reorder_point(client, world):
    """Reorder points 8 (clocks) and 4 (beans) at Monaco; orders reserving stock make them low."""
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    assert _alerts(client, world) == []  # every level has stock and reorder point 0

    r = client.put(f"/stock/{mc}/RETRO-CLOCK/thresholds",
                   json={"safety_stock": 2, "reorder_point": 8}, headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    assert r.json() == {"warehouse_id": mc, "sku": "RETRO-CLOCK", "on_hand": 10, "reserved": 0,
                        "available": 10, "safety_stock": 2, "reorder_point": 8, "low": False}
    r = client.put(f"/stock/{mc}/ESPRESSO-BEANS/thresholds",
                   json={"safety_stock": 0, "reorder_point": 4}, headers=world.auth("operator"))
    assert r.json()["low"] is False  # 5 available > 4
    assert _alerts(client, world) == []

    # Reserving 2 clocks leaves 8 available: at the reorder point, so low.
    _place(client, world, [("RETRO-CLOCK", 2)])
    level = _level(client, world, "MC", "RETRO-CLOCK")
    assert (level["on_hand"], level["reserved"], level["available"], level["low"]) == (
        10, 2, 8, True)
    assert _alerts(client, world) == [(mc, "RETRO-CLOCK")]

    # The last lamp (reorder point 0) goes to an order: 0 available is low too.
    _place(client, world, [("LAST-UNIT-LAMP", 1)], email="paul@example.com")
    assert _alerts(client, world) == [(mc, "RETRO-CLOCK"), (nce, "LAST-UNIT-LAMP")]
    assert _alerts(client, world, warehouse_id=nce) == [(nce, "LAST-UNIT-LAMP")]

    # One espresso bag reserved: 4 available, at its reorder point of 4.
    _place(client, world, [("ESPRESSO-BEANS", 1)])
    assert _alerts(client, world, warehouse_id=mc) == [
        (mc, "ESPRESSO-BEANS"), (mc, "RETRO-CLOCK")]

    # A receipt of 5 clocks lifts Monaco's clocks to 13 available: no longer low.
    assert _receive(client, world, "MC", "RETRO-CLOCK", 5).json()["low"] is False
    assert _alerts(client, world, warehouse_id=mc) == [(mc, "ESPRESSO-BEANS")]


def test_thresholds_are_validated(client, world):
    """A negative reorder point is refused with 422 naming reorder_point."""
    r = client.put(f"/stock/{world.warehouses['MC']}/RETRO-CLOCK/thresholds",
                   json={"safety_stock": 0, "reorder_point": -1}, headers=world.auth("operator"))
    _problem(r, 422, "reorder_point")


# --- The movement ledger -----------------------------------------------------------------


def test_movements_are_newest_first_and_filter(client, world):
    """Six opening receipts plus a receipt, a scrap and an order's reservation, filtered."""
    _receive(client, world, "NCE", "ESPRESSO-BEANS", 10, reference="PO-7")
    _adjust(client, world, "NCE", "RETRO-CLOCK", 1, kind="scrap", reason="cracked glass")
    order = _place(client, world, [("OAT-MILK-1L", 4)])

    everything = _movements(client, world)
    assert len(everything) == 9
    ids = [m["id"] for m in everything]
    assert ids == sorted(ids, reverse=True)
    assert [(m["kind"], m["sku"], m["quantity"]) for m in everything[:3]] == [
        ("reservation", "OAT-MILK-1L", 4),
        ("scrap", "RETRO-CLOCK", 1),
        ("receipt", "ESPRESSO-BEANS", 10),
    ]

    beans = _movements(client, world, sku="ESPRESSO-BEANS")
    assert [(m["warehouse_id"], m["quantity"]) for m in beans] == [
        (world.warehouses["NCE"], 10), (world.warehouses["NCE"], 30),
        (world.warehouses["MC"], 5)]

    nice = _movements(client, world, warehouse_id=world.warehouses["NCE"])
    assert [(m["kind"], m["sku"]) for m in nice] == [
        ("scrap", "RETRO-CLOCK"), ("receipt", "ESPRESSO-BEANS"),
        ("receipt", "LAST-UNIT-LAMP"), ("receipt", "ESPRESSO-BEANS"),
        ("receipt", "RETRO-CLOCK")]

    nice_clocks = _movements(client, world, warehouse_id=world.warehouses["NCE"],
                             sku="RETRO-CLOCK")
    assert [(m["kind"], m["on_hand_delta"]) for m in nice_clocks] == [
        ("scrap", -1), ("receipt", 20)]

    for_order = _movements(client, world, order_id=order["id"])
    assert [(m["kind"], m["sku"], m["quantity"], m["on_hand_delta"], m["reserved_delta"])
            for m in for_order] == [("reservation", "OAT-MILK-1L", 4, 0, 4)]
    assert for_order[0]["order_id"] == order["id"]
    assert _movements(client, world, order_id=order["id"] + 100) == []


def test_movement_pages_walk_every_entry_exactly_once(client, world):
    """Pages of 4 over 11 entries: 4, 4, 3, then no cursor; same entries as one big page."""
    for quantity in range(1, 6):  # five more receipts: 11 entries in all
        assert _receive(client, world, "MC", "OAT-MILK-1L", quantity).status_code == 201
    everything = [m["id"] for m in _movements(client, world)]
    assert len(everything) == 11

    seen, sizes, cursor = [], [], None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        r = client.get("/stock/movements", params=params, headers=world.auth("operator"))
        assert r.status_code == 200, r.text
        page = r.json()
        sizes.append(len(page["items"]))
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [4, 4, 3]
    assert seen == everything


def test_limit_above_the_cap_is_422_naming_limit(client, world):
    """The page size cap is 200: limit=201 (and limit=0) are refused, naming limit."""
    r = client.get("/stock/movements", params={"limit": 201}, headers=world.auth("operator"))
    _problem(r, 422, "limit")
    r = client.get("/stock/movements", params={"limit": 0}, headers=world.auth("operator"))
    _problem(r, 422, "limit")
    r = client.get("/stock", params={"limit": 201}, headers=world.auth("operator"))
    _problem(r, 422, "limit")
    r = client.get("/stock/movements", params={"cursor": "abc"}, headers=world.auth("operator"))
    _problem(r, 422, "cursor")


def test_ledger_sums_to_every_level(client, world):
    """After receipts, adjustments, scrap, orders, a pick, a cancel and a delivery, the
    ledger's deltas per level add up to on hand and reserved."""
    _receive(client, world, "MC", "RETRO-CLOCK", 5)
    _adjust(client, world, "MC", "OAT-MILK-1L", -8)
    _adjust(client, world, "NCE", "ESPRESSO-BEANS", 3, kind="scrap", reason="torn bags")
    kept = _place(client, world, [("RETRO-CLOCK", 4), ("OAT-MILK-1L", 2)])
    cancelled = _place(client, world, [("ESPRESSO-BEANS", 2)])
    delivered = _place(client, world, [("RETRO-CLOCK", 3)])
    r = client.post(f"/orders/{cancelled['id']}/cancel", json={"reason": "customer asked"},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    oid = delivered["id"]
    r = client.post(f"/orders/{oid}/pick", json={"lines": [{"sku": "RETRO-CLOCK", "quantity": 3}]},
                    headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    r = client.post(f"/orders/{oid}/assign", json={"driver_id": world.drivers["ana"]},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    assert client.post(f"/orders/{oid}/depart", headers=world.auth("driver")).status_code == 200
    r = client.post(f"/orders/{oid}/deliver", json={"recipient_name": "Marie"},
                    headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    assert kept["status"] == "confirmed"

    r = client.get("/stock", params={"limit": 200}, headers=world.auth("operator"))
    levels = {(lv["warehouse_id"], lv["sku"]): lv for lv in r.json()["items"]}
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    # Worked out by hand from the operations above.
    assert {k: (v["on_hand"], v["reserved"]) for k, v in levels.items()} == {
        (mc, "RETRO-CLOCK"): (12, 4),       # 10 + 5 - 3 shipped; 4 held by `kept`
        (mc, "OAT-MILK-1L"): (42, 2),       # 50 - 8; 2 held by `kept`
        (mc, "ESPRESSO-BEANS"): (5, 0),     # 2 reserved, then released on cancel
        (nce, "RETRO-CLOCK"): (20, 0),
        (nce, "ESPRESSO-BEANS"): (27, 0),   # 30 - 3 scrapped
        (nce, "LAST-UNIT-LAMP"): (1, 0),
    }

    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for m in _movements(client, world):
        sums[(m["warehouse_id"], m["sku"])][0] += m["on_hand_delta"]
        sums[(m["warehouse_id"], m["sku"])][1] += m["reserved_delta"]
    assert {k: tuple(v) for k, v in sums.items()} == {
        k: (v["on_hand"], v["reserved"]) for k, v in levels.items()}


# --- Fields the server owns --------------------------------------------------------------


def test_receipt_may_not_set_server_owned_fields(client, world):
    """A receipt naming reserved or on_hand is refused (422 naming the field); nothing moves."""
    before = _movements(client, world)
    for field in ("reserved", "on_hand", "available"):
        r = _receive(client, world, "MC", "RETRO-CLOCK", 5, **{field: 3})
        _problem(r, 422, field)
    body = {"warehouse_id": world.warehouses["MC"], "sku": "RETRO-CLOCK", "quantity": 1,
            "reason": "count", "on_hand_delta": 1}
    r = client.post("/stock/adjustments", json=body, headers=world.auth("operator"))
    _problem(r, 422, "on_hand_delta")
    assert _level(client, world, "MC", "RETRO-CLOCK")["on_hand"] == 10
    assert _movements(client, world) == before


def test_order_may_not_set_server_owned_fields(client, world):
    """An order body naming status, total_minor or driver_id is refused; no order is made."""
    for field, value in (("status", "delivered"), ("total_minor", 1),
                         ("driver_id", world.drivers["ana"]), ("warehouse_id", 1)):
        body = order_body() | {field: value}
        r = client.post("/orders", json=body, headers=world.auth("dispatcher"))
        _problem(r, 422, field)
    r = client.get("/orders", headers=world.auth("admin"))
    assert r.json()["items"] == []
    assert _level(client, world, "MC", "RETRO-CLOCK")["reserved"] == 0
