"""The rules around orders, through the HTTP API, on SQLite and PostgreSQL.

Seeded stock: Monaco (MC) 10 clocks, 50 oat milk, 5 espresso bags; Nice (NCE) 20 clocks,
30 espresso bags, 1 lamp. The default delivery address is the Casino, in Monaco.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.orders.models import PickRecord
from dispatch.stock.models import Sku, StockoutEvent
from tests.api.orders_support import (
    _assign,
    _get,
    _held,
    _ids,
    _list,
    _order_count,
    _pick_all,
    _place,
    _problem,
)
from tests.support.world import order_body

# --- Lines of one SKU are summed ---------------------------------------------------------


def test_two_lines_of_one_sku_are_summed_before_choosing_a_warehouse(client, world):
    """6 + 5 clocks is 11, more than Monaco's 10: the whole order goes to Nice (20)."""
    order = _place(client, world, [("RETRO-CLOCK", 6), ("RETRO-CLOCK", 5)])
    assert order["warehouse_id"] == world.warehouses["NCE"]
    assert [line["quantity"] for line in order["lines"]] == [6, 5]
    assert order["subtotal_minor"] == 11 * 2490
    assert _held(client, world, "NCE", "RETRO-CLOCK") == (20, 11)
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


def test_summed_lines_beyond_the_only_stock_are_409(client, world):
    """Oat milk is only in Monaco; cut to 5 cartons, an order of 3 + 3 is short by one."""
    r = client.post("/stock/adjustments",
                    json={"warehouse_id": world.warehouses["MC"], "sku": "OAT-MILK-1L",
                          "quantity": -45, "reason": "expired"},
                    headers=world.auth("operator"))
    assert r.status_code == 201, r.text
    r = client.post("/orders", json=order_body([("OAT-MILK-1L", 3), ("OAT-MILK-1L", 3)]),
                    headers=world.auth("dispatcher"))
    body = _problem(r, 409, "lines", "insufficient_stock")
    assert body["shortfall"] == [{"sku": "OAT-MILK-1L", "requested": 6, "available": 5}]
    assert body["warehouse_id"] == world.warehouses["MC"]
    assert _held(client, world, "MC", "OAT-MILK-1L") == (5, 0)
    assert _order_count(client.app.state.database) == 0
    # The order left nothing behind but the demand that could not be served.
    with client.app.state.database.uow() as uow:
        kept = [(e.warehouse_id, e.sku_id, e.requested, e.available)
                for e in uow.db.scalars(select(StockoutEvent))]
        oat_milk = uow.db.scalar(select(Sku.id).where(Sku.code == "OAT-MILK-1L"))
    assert kept == [(world.warehouses["MC"], oat_milk, 6, 5)]


# --- The state machine -------------------------------------------------------------------


def _delivered(client, world):
    order = _place(client, world, [("RETRO-CLOCK", 2)])
    _pick_all(client, world, order)
    _assign(client, world, order["id"], "ana")
    assert client.post(f"/orders/{order['id']}/depart",
                       headers=world.auth("driver")).status_code == 200
    r = client.post(f"/orders/{order['id']}/deliver", json={"recipient_name": "Marie"},
                    headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    return r.json()


def test_cancelling_a_delivered_order_is_an_illegal_transition(client, world):
    """A delivered order cannot be cancelled: 409 illegal_transition; nothing changes."""
    order = _delivered(client, world)
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "changed mind"},
                    headers=world.auth("dispatcher"))
    body = _problem(r, 409, "status", "illegal_transition")
    assert (body["current"], body["target"]) == ("delivered", "cancelled")
    after = _get(client, world, order["id"]).json()
    assert after["status"] == "delivered"
    assert after["version"] == order["version"]
    assert after["payment"]["status"] == "captured"
    assert _held(client, world, "MC", "RETRO-CLOCK") == (8, 0)


def test_delivering_a_confirmed_order_is_an_illegal_transition(client, world):
    """A confirmed (not yet picked) order cannot be delivered: stock stays reserved."""
    order = _place(client, world, [("RETRO-CLOCK", 2)])
    r = client.post(f"/orders/{order['id']}/deliver", json={"recipient_name": "Marie"},
                    headers=world.auth("dispatcher"))
    body = _problem(r, 409, "status", "illegal_transition")
    assert (body["current"], body["target"]) == ("confirmed", "delivered")
    after = _get(client, world, order["id"]).json()
    assert after["status"] == "confirmed"
    assert after["payment"]["status"] == "authorised"
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 2)


def test_departing_before_planning_is_an_illegal_transition(client, world):
    """A ready order without a route cannot go out for delivery."""
    order = _pick_all(client, world, _place(client, world))
    r = client.post(f"/orders/{order['id']}/depart", headers=world.auth("dispatcher"))
    body = _problem(r, 409, "status", "illegal_transition")
    assert (body["current"], body["target"]) == ("ready", "out_for_delivery")


def test_cancel_releases_stock_and_voids_the_payment(client, world):
    """3 clocks and 2 oat milk on a card: cancelling frees both and voids the payment."""
    order = _place(client, world, [("RETRO-CLOCK", 3), ("OAT-MILK-1L", 2)], card="tok_visa")
    assert order["payment"]["status"] == "authorised"
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 3)
    assert _held(client, world, "MC", "OAT-MILK-1L") == (50, 2)

    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "customer called"},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    cancelled = r.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "customer called"
    assert cancelled["payment"]["status"] == "voided"
    assert cancelled["payment"]["captured_minor"] == 0
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)
    assert _held(client, world, "MC", "OAT-MILK-1L") == (50, 0)

    r = client.get("/stock/movements", params={"order_id": order["id"]},
                   headers=world.auth("operator"))
    assert sorted((m["kind"], m["sku"], m["reserved_delta"]) for m in r.json()["items"]) == [
        ("release", "OAT-MILK-1L", -2), ("release", "RETRO-CLOCK", -3),
        ("reservation", "OAT-MILK-1L", 2), ("reservation", "RETRO-CLOCK", 3)]

    # Cancelling again is refused and releases nothing more.
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "again"},
                    headers=world.auth("dispatcher"))
    _problem(r, 409, "status", "illegal_transition")
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


# --- Versions: ETag and If-Match ---------------------------------------------------------


def test_etag_and_if_match(client, world):
    """Version 1 on placement, 3 after the pick (picked, ready); a stale If-Match is 412."""
    r = client.post("/orders", json=order_body(), headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/orders/{oid}"

    r = _get(client, world, oid)
    assert r.headers["ETag"] == '"1"'
    first = r.headers["ETag"]

    r = client.post(f"/orders/{oid}/pick", json={"lines": [{"sku": "RETRO-CLOCK", "quantity": 1}]},
                    headers={**world.auth("operator"), "If-Match": first})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"3"'
    assert r.json()["version"] == 3

    # Someone who still holds version 1 may not plan the order.
    r = client.post(f"/orders/{oid}/assign", json={"driver_id": world.drivers["ana"]},
                    headers={**world.auth("dispatcher"), "If-Match": first})
    body = _problem(r, 412, "If-Match", "stale_version")
    assert body["current_version"] == 3
    assert _get(client, world, oid).json()["status"] == "ready"

    r = client.post(f"/orders/{oid}/assign", json={"driver_id": world.drivers["ana"]},
                    headers={**world.auth("dispatcher"), "If-Match": 'W/"3"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"4"'

    r = client.post(f"/orders/{oid}/depart", headers={**world.auth("driver"), "If-Match": '"4"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"5"'

    r = client.post(f"/orders/{oid}/deliver", json={"recipient_name": "Marie"},
                    headers={**world.auth("driver"), "If-Match": '"5"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"6"'
    assert _get(client, world, oid).headers["ETag"] == '"6"'


def test_if_match_that_is_not_an_etag_is_412(client, world):
    """If-Match: "abc" was never returned by the API: 412 naming If-Match; no change."""
    order = _place(client, world)
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "x"},
                    headers={**world.auth("dispatcher"), "If-Match": '"abc"'})
    _problem(r, 412, "If-Match")
    assert _get(client, world, order["id"]).json()["status"] == "confirmed"


def test_cancel_with_stale_if_match_is_412_and_keeps_the_stock(client, world):
    """Cancelling with version 1 after the pick moved it to 3: refused, stock still held."""
    order = _place(client, world, [("RETRO-CLOCK", 2)])
    _pick_all(client, world, order)
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "x"},
                    headers={**world.auth("dispatcher"), "If-Match": '"1"'})
    _problem(r, 412, "If-Match", "stale_version")
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 2)
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "x"},
                    headers={**world.auth("dispatcher"), "If-Match": '"3"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"4"'
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


# --- Picking -----------------------------------------------------------------------------


def _pick_records(database, oid):
    with database.uow() as uow:
        rows = uow.db.scalars(
            select(PickRecord).where(PickRecord.order_id == oid).order_by(PickRecord.id)
        ).all()
        return [(row.matched, row.differences) for row in rows]


def test_pick_mismatch_is_422_and_counted(client, world, database):
    """Ordered 2 clocks + 1 milk, scanned 1 clock + 1 milk + 1 beans: refused, recorded."""
    order = _place(client, world, [("RETRO-CLOCK", 2), ("OAT-MILK-1L", 1)])
    scanned = [{"sku": "RETRO-CLOCK", "quantity": 1}, {"sku": "OAT-MILK-1L", "quantity": 1},
               {"sku": "ESPRESSO-BEANS", "quantity": 1}]
    r = client.post(f"/orders/{order['id']}/pick", json={"lines": scanned},
                    headers=world.auth("operator"))
    body = _problem(r, 422, "lines", "pick_mismatch")
    expected = [{"sku": "ESPRESSO-BEANS", "ordered": 0, "scanned": 1},
                {"sku": "RETRO-CLOCK", "ordered": 2, "scanned": 1}]
    assert body["differences"] == expected
    after = _get(client, world, order["id"]).json()
    assert (after["status"], after["version"]) == ("confirmed", 1)
    assert _pick_records(database, order["id"]) == [(False, expected)]

    # Scanning the clocks one at a time is still a full match.
    scanned = [{"sku": "OAT-MILK-1L", "quantity": 1}, {"sku": "RETRO-CLOCK", "quantity": 1},
               {"sku": "RETRO-CLOCK", "quantity": 1}]
    r = client.post(f"/orders/{order['id']}/pick", json={"lines": scanned},
                    headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert _pick_records(database, order["id"]) == [(False, expected), (True, [])]


# --- A failed delivery -------------------------------------------------------------------


def test_failed_delivery_returns_the_order_to_ready(client, world):
    """Ana finds nobody home: ready again, 1 attempt, no driver; Bruno delivers it later."""
    order = _pick_all(client, world, _place(client, world, [("RETRO-CLOCK", 2)]))
    oid = order["id"]
    _assign(client, world, oid, "ana")
    assert client.post(f"/orders/{oid}/depart", headers=world.auth("driver")).status_code == 200
    r = client.post(f"/orders/{oid}/fail", json={"reason": "not_home"},
                    headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["status"] == "ready"
    assert failed["delivery_attempts"] == 1
    assert failed["driver_id"] is None
    assert failed["failure_reason"] == "not_home"
    assert failed["payment"]["status"] == "authorised"
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 2)  # still held for the retry
    # No longer on Ana's route, so she no longer sees it.
    assert _get(client, world, oid, "driver").status_code == 404

    events = client.get(f"/orders/{oid}/events", headers=world.auth("admin")).json()
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "placed"), ("placed", "confirmed"), ("confirmed", "picked"),
        ("picked", "ready"), ("ready", "planned"), ("planned", "out_for_delivery"),
        ("out_for_delivery", "failed"), ("failed", "ready")]
    assert events[6]["reason"] == "not_home"

    _assign(client, world, oid, "bruno")
    assert client.post(f"/orders/{oid}/depart",
                       headers=world.auth("other_driver")).status_code == 200
    r = client.post(f"/orders/{oid}/deliver", json={"recipient_name": "Pierre"},
                    headers=world.auth("other_driver"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["delivery_attempts"]) == ("delivered", 2)
    assert _held(client, world, "MC", "RETRO-CLOCK") == (8, 0)


def test_fail_takes_only_known_reasons(client, world):
    """A failure reason outside the list is 422 naming reason."""
    order = _pick_all(client, world, _place(client, world))
    _assign(client, world, order["id"], "ana")
    client.post(f"/orders/{order['id']}/depart", headers=world.auth("driver"))
    r = client.post(f"/orders/{order['id']}/fail", json={"reason": "dog"},
                    headers=world.auth("driver"))
    _problem(r, 422, "reason")


# --- Listing -----------------------------------------------------------------------------


def test_list_filters_and_pages(client, world):
    """Three orders (2 h, 26 h and 50 h ahead) found by status, warehouse, email and window."""
    soon = _place(client, world, [("RETRO-CLOCK", 1)], hours_ahead=2)
    lamp = _place(client, world, [("LAST-UNIT-LAMP", 1)], email="paul@example.com",
                  hours_ahead=26)
    later = _place(client, world, [("OAT-MILK-1L", 2)], hours_ahead=50)
    r = client.post(f"/orders/{later['id']}/cancel", json={"reason": "moved away"},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    a, b, c = soon["id"], lamp["id"], later["id"]

    assert _ids(client, world) == [a, b, c]
    assert _ids(client, world, status="confirmed") == [a, b]
    assert _ids(client, world, status="cancelled") == [c]
    assert _ids(client, world, status=["cancelled", "confirmed"]) == [a, b, c]
    assert _ids(client, world, status="delivered") == []
    assert _ids(client, world, warehouse_id=world.warehouses["NCE"]) == [b]
    assert _ids(client, world, warehouse_id=world.warehouses["MC"]) == [a, c]
    assert _ids(client, world, customer_email="marie@example.com") == [a, c]
    assert _ids(client, world, customer_email="Paul@Example.com") == [b]
    assert _ids(client, world, customer_email="nobody@example.com") == []

    now = datetime.now(UTC)
    in_24h, in_48h = (now + timedelta(hours=24)).isoformat(), (now + timedelta(hours=48)).isoformat()
    assert _ids(client, world, window_from=in_24h) == [b, c]
    assert _ids(client, world, window_to=in_24h) == [a]
    assert _ids(client, world, window_from=in_24h, window_to=in_48h) == [b]
    assert _ids(client, world, status="confirmed", window_from=in_24h) == [b]

    first = _list(client, world, limit=2)
    assert [o["id"] for o in first["items"]] == [a, b]
    assert first["next_cursor"] is not None
    second = _list(client, world, limit=2, cursor=first["next_cursor"])
    assert [o["id"] for o in second["items"]] == [c]
    assert second["next_cursor"] is None


def test_list_rejects_an_unknown_status(client, world):
    """status=lost is not a status: 422 naming status."""
    r = client.get("/orders", params={"status": "lost"}, headers=world.auth("admin"))
    _problem(r, 422, "status[0]", "validation_error")
