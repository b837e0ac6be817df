"""The rules around orders, through the HTTP API, on SQLite and PostgreSQL.

Seeded stock: Monaco (MC) 10 clocks, 50 oat milk, 5 espresso bags; Nice (NCE) 20 clocks,
30 espresso bags, 1 lamp. The default delivery address is the Casino, in Monaco.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from dispatch.geocoding.models import GeocodeCacheEntry
from dispatch.orders.models import Order, PickRecord
from dispatch.settings import Settings
from tests.support.local_geocoder import LocalGeocoderStandIn
from tests.support.world import order_body

PROBLEM = "application/problem+json"


def _level(client, world, wh, sku):
    r = client.get(f"/stock/{world.warehouses[wh]}/{sku}", headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    return r.json()


def _held(client, world, wh, sku):
    level = _level(client, world, wh, sku)
    return level["on_hand"], level["reserved"]


def _place(client, world, lines=(("RETRO-CLOCK", 1),), **kwargs):
    r = client.post("/orders", json=order_body(lines, **kwargs), headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.text
    return r.json()


def _get(client, world, oid, who="admin"):
    return client.get(f"/orders/{oid}", headers=world.auth(who))


def _pick_all(client, world, order):
    lines = [{"sku": line["sku"], "quantity": line["quantity"]} for line in order["lines"]]
    r = client.post(f"/orders/{order['id']}/pick", json={"lines": lines},
                    headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    return r.json()


def _assign(client, world, oid, driver):
    r = client.post(f"/orders/{oid}/assign", json={"driver_id": world.drivers[driver]},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.text
    return r.json()


def _problem(response, status, field, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["field"] == field, body
    if code is not None:
        assert body["type"] == f"urn:dispatch:problem:{code}", body
    return body


def _order_count(database):
    with database.uow() as uow:
        return uow.db.scalar(select(func.count()).select_from(Order))


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


def _list(client, world, who="admin", **params):
    r = client.get("/orders", params=params, headers=world.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _ids(client, world, who="admin", **params):
    page = _list(client, world, who, **params)
    assert page["next_cursor"] is None
    return [o["id"] for o in page["items"]]


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


# --- Validation --------------------------------------------------------------------------


def _post_invalid(client, world, body):
    return client.post("/orders", json=body, headers=world.auth("dispatcher"))


def test_validation_errors_name_the_field(client, world):
    """Bad quantity, inverted window, no address, unknown SKU: 422 problems naming each field."""
    body = order_body([("RETRO-CLOCK", 1), ("OAT-MILK-1L", 2)])
    body["lines"][0]["quantity"] = 0
    _problem(_post_invalid(client, world, body), 422, "lines[0].quantity", "validation_error")

    body = order_body()
    start = datetime.now(UTC) + timedelta(hours=3)
    body["window"] = {"start": start.isoformat(),
                      "end": (start - timedelta(hours=1)).isoformat()}
    _problem(_post_invalid(client, world, body), 422, "window.end")

    body = order_body()
    body["address"] = {}
    _problem(_post_invalid(client, world, body), 422, "address", "validation_error")

    body = order_body([("RETRO-CLOCK", 1), ("NO-SUCH-SKU", 1)])
    _problem(_post_invalid(client, world, body), 422, "lines[1].sku")

    assert _order_count(client.app.state.database) == 0
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


def test_a_card_number_as_token_is_refused_and_not_echoed(client, world):
    """A 16-digit card number in card_token: 422 on payment.card_token; nothing stored."""
    r = _post_invalid(client, world, order_body(card="4242424242424242"))
    _problem(r, 422, "payment.card_token")
    assert "4242424242424242" not in r.text
    assert _order_count(client.app.state.database) == 0
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


# --- Body size cap -----------------------------------------------------------------------


def _oversized_order():
    body = order_body()
    body["notes"] = "x" * (70 * 1024)  # above the 64 KiB cap
    return json.dumps(body).encode()


def test_body_above_the_cap_is_413_and_stores_nothing(client, world):
    """A 70 KiB order body (cap: 64 KiB) is refused with 413 before anything is stored."""
    assert client.app.state.settings.max_body_bytes == 64 * 1024
    headers = {**world.auth("dispatcher"), "Content-Type": "application/json"}
    r = client.post("/orders", content=_oversized_order(), headers=headers)
    body = _problem(r, 413, "body", "body_too_large")
    assert body["status"] == 413
    assert _order_count(client.app.state.database) == 0
    assert _held(client, world, "MC", "RETRO-CLOCK") == (10, 0)


def test_streamed_body_above_the_cap_is_413(client, world):
    """The same body sent chunked (no Content-Length) is also refused with 413."""
    data = _oversized_order()
    headers = {**world.auth("dispatcher"), "Content-Type": "application/json"}
    r = client.post("/orders", content=iter([data[:40_000], data[40_000:]]), headers=headers)
    _problem(r, 413, "body", "body_too_large")
    assert _order_count(client.app.state.database) == 0


def test_streamed_body_under_the_cap_is_accepted(client, world):
    """A normal order sent chunked (no Content-Length) is placed as usual."""
    data = json.dumps(order_body()).encode()
    headers = {**world.auth("dispatcher"), "Content-Type": "application/json"}
    r = client.post("/orders", content=iter([data[:100], data[100:]]), headers=headers)
    assert r.status_code == 201, r.text
    assert _order_count(client.app.state.database) == 1


# --- Drivers see only their own orders ---------------------------------------------------


def test_a_driver_sees_only_orders_on_their_route(client, world):
    """Ana sees her order; Bruno's and an unassigned one are 404 to her, and vice versa."""
    anas = _pick_all(client, world, _place(client, world))
    brunos = _pick_all(client, world, _place(client, world, email="paul@example.com"))
    nobodys = _place(client, world, email="zoe@example.com")
    _assign(client, world, anas["id"], "ana")
    _assign(client, world, brunos["id"], "bruno")

    assert _ids(client, world, "driver") == [anas["id"]]
    assert _ids(client, world, "other_driver") == [brunos["id"]]
    assert _ids(client, world, "driver", status="planned") == [anas["id"]]
    assert _get(client, world, anas["id"], "driver").status_code == 200
    assert _get(client, world, brunos["id"], "other_driver").status_code == 200
    for oid in (brunos["id"], nobodys["id"]):
        _problem(_get(client, world, oid, "driver"), 404, "order_id")
        r = client.get(f"/orders/{oid}/events", headers=world.auth("driver"))
        assert r.status_code == 404
    # Ana may not act on Bruno's order either.
    r = client.post(f"/orders/{brunos['id']}/depart", headers=world.auth("driver"))
    assert r.status_code == 404
    assert _get(client, world, brunos["id"]).json()["status"] == "planned"
    # Staff see all three.
    assert _ids(client, world, "dispatcher") == [anas["id"], brunos["id"], nobodys["id"]]


def test_a_driver_may_not_cancel_or_place(client, world):
    """Drivers may not place or cancel orders (403)."""
    order = _pick_all(client, world, _place(client, world))
    _assign(client, world, order["id"], "ana")
    r = client.post(f"/orders/{order['id']}/cancel", json={"reason": "x"},
                    headers=world.auth("driver"))
    assert r.status_code == 403, r.text
    r = client.post("/orders", json=order_body(), headers=world.auth("driver"))
    assert r.status_code == 403, r.text


# --- Geocoding ---------------------------------------------------------------------------


def _text_only(text, **kwargs):
    body = order_body(**kwargs)
    body["address"] = {"text": text}
    return body


def _geocoding_app(stand_in, database):
    settings = Settings(database_url="sqlite://", migrate_on_start=False, environment="test",
                        geocoder="nominatim", geocoder_url=stand_in.url)
    return create_app(settings, database)


def test_text_address_is_geocoded_once_and_cached_in_the_database(database, world):
    """"Place du Casino, Monaco" is looked up once; a second app finds it in the DB cache."""
    with LocalGeocoderStandIn() as stand_in:
        with TestClient(_geocoding_app(stand_in, database),
                        raise_server_exceptions=False) as client:
            r = client.post("/orders", json=_text_only("Place du Casino, Monaco"),
                            headers=world.auth("dispatcher"))
            assert r.status_code == 201, r.text
            order = r.json()
            assert (order["lat"], order["lon"]) == (43.7396, 7.4276)
            assert order["address_text"] == "Place du Casino, Monaco"
            assert order["warehouse_id"] == world.warehouses["MC"]
            assert len(stand_in.requests) == 1

            r = client.post("/orders", json=_text_only("place du casino,  MONACO"),
                            headers=world.auth("dispatcher"))
            assert r.status_code == 201, r.text
            assert (r.json()["lat"], r.json()["lon"]) == (43.7396, 7.4276)
            assert len(stand_in.requests) == 1

        # A new app (a new process, say) has no memory of its own: the DB cache answers.
        with TestClient(_geocoding_app(stand_in, database),
                        raise_server_exceptions=False) as client:
            r = client.post("/orders", json=_text_only("Place du Casino, Monaco"),
                            headers=world.auth("dispatcher"))
            assert r.status_code == 201, r.text
            assert (r.json()["lat"], r.json()["lon"]) == (43.7396, 7.4276)
        assert len(stand_in.requests) == 1

    with database.uow() as uow:
        entry = uow.db.get(GeocodeCacheEntry, "place du casino, monaco")
        assert entry is not None
        assert (entry.lat, entry.lon, entry.provider) == (43.7396, 7.4276, "nominatim")


def test_unknown_text_address_is_422_naming_address_text(database, world):
    """An address the geocoder does not know: 422 naming address.text; nothing stored."""
    with LocalGeocoderStandIn() as stand_in:
        with TestClient(_geocoding_app(stand_in, database),
                        raise_server_exceptions=False) as client:
            r = client.post("/orders", json=_text_only("1 Nowhere Lane, Atlantis"),
                            headers=world.auth("dispatcher"))
            _problem(r, 422, "address.text")
            assert len(stand_in.requests) == 1
    assert _order_count(database) == 0


def test_text_address_without_a_geocoder_is_422_naming_address_lat(client, world):
    """With no geocoder configured (the default), a text-only address needs coordinates."""
    assert client.app.state.settings.geocoder == "none"
    r = client.post("/orders", json=_text_only("Place du Casino, Monaco"),
                    headers=world.auth("dispatcher"))
    _problem(r, 422, "address.lat")
    assert _order_count(client.app.state.database) == 0
