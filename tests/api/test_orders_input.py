"""Order input at the API edge: validation, the body-size cap, drivers' visibility and
geocoding of text addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from dispatch.geocoding.models import GeocodeCacheEntry
from dispatch.settings import Settings
from tests.api.orders_support import (
    _assign,
    _get,
    _held,
    _ids,
    _order_count,
    _pick_all,
    _place,
    _problem,
)
from tests.support.local_geocoder import LocalGeocoderStandIn
from tests.support.world import order_body

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
