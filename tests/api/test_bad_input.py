"""Hostile input gets a 4xx problem document, never a 500, on SQLite and PostgreSQL.

Regression tests for what ``test_openapi_fuzz.py`` (and probing around its findings)
turned up:

* ids too large for the database: SQLite refuses ints above 2**63 (``OverflowError``),
  PostgreSQL's 32-bit id columns anything above 2**31 (``integer out of range``). Ids in
  paths, query strings and bodies are now bounded (``dispatch.common.schemas.Id``): 422.
* NUL characters, which PostgreSQL text cannot hold, and unpaired surrogates (legal as
  ``"\\ud800"`` in JSON), which neither database can encode: refused with 422 naming
  the field, in bodies (``Command``) and in path and query parameters.
* a paging cursor or an ``If-Match`` made of non-ASCII digits such as ``²``, which
  ``str.isdigit`` accepts and ``int`` refuses.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from api.problems import PROBLEM_JSON
from dispatch.stock.models import Warehouse
from tests.support.world import order_body

BEYOND_POSTGRES = 2**31  # one past PostgreSQL's integer
BEYOND_SQLITE = 2**63  # one past SQLite's (and PostgreSQL's bigint)
HUGE = 10**30


def _problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return response.json()


# --- Ids out of range ----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template", "param"), [
    ("GET", "/orders/{}", "order_id"),
    ("GET", "/orders/{}/events", "order_id"),
    ("POST", "/orders/{}/depart", "order_id"),
    ("GET", "/orders/{}/payment", "order_id"),
    ("GET", "/drivers/{}", "driver_id"),
    ("GET", "/warehouses/{}", "warehouse_id"),
    ("GET", "/skus/{}", "sku_id"),
    ("GET", "/stock/{}/RETRO-CLOCK", "warehouse_id"),
    ("GET", "/returns/{}", "return_id"),
    ("POST", "/returns/{}/pickup", "return_id"),
])
def test_out_of_range_path_id_is_422(client, world, method, template, param):
    for value in (BEYOND_POSTGRES, BEYOND_SQLITE, HUGE, -BEYOND_SQLITE):
        response = client.request(method, template.format(value), headers=world.auth("admin"))
        assert _problem(response)["field"] == param, value


def test_largest_id_is_a_plain_404(client, world):
    response = client.get(f"/orders/{2**31 - 1}", headers=world.auth("admin"))
    assert _problem(response, 404)["field"] == "order_id"


@pytest.mark.parametrize("url", [
    f"/orders?warehouse_id={BEYOND_POSTGRES}",
    f"/orders?customer_id={BEYOND_SQLITE}",
    f"/stock?warehouse_id={BEYOND_SQLITE}",
    f"/stock/movements?order_id={BEYOND_SQLITE}",
    f"/drivers?warehouse_id={HUGE}",
    f"/returns?order_id={BEYOND_POSTGRES}",
])
def test_out_of_range_query_id_is_422(client, world, url):
    name = url.split("?", 1)[1].split("=", 1)[0]
    assert _problem(client.get(url, headers=world.auth("admin")))["field"] == name


def test_out_of_range_body_ids_are_422(client, world):
    admin = world.auth("admin")
    mc = world.warehouses["MC"]
    cases = [
        ("/stock/receipts", {"warehouse_id": BEYOND_SQLITE, "sku": "RETRO-CLOCK", "quantity": 1},
         "warehouse_id"),
        ("/stock/adjustments", {"warehouse_id": BEYOND_POSTGRES, "sku": "RETRO-CLOCK",
                                "quantity": 1, "reason": "count"}, "warehouse_id"),
        ("/drivers", {"name": "Carla", "warehouse_id": HUGE, "capacity_weight_g": 1,
                      "capacity_volume_ml": 1}, "warehouse_id"),
        ("/users", {"name": "d", "role": "driver", "driver_id": BEYOND_SQLITE}, "driver_id"),
    ]
    for url, body, name in cases:
        assert _problem(client.post(url, json=body, headers=admin))["field"] == name, url
    order = client.post("/orders", json=order_body(), headers=world.auth("dispatcher")).json()
    response = client.post(f"/orders/{order['id']}/assign", json={"driver_id": BEYOND_SQLITE},
                           headers=admin)
    assert _problem(response)["field"] == "driver_id"
    returned = {"lines": [{"order_line_id": BEYOND_SQLITE, "quantity": 1, "reason": "damaged"}],
                "resolution": "refund"}
    response = client.post(f"/orders/{order['id']}/returns", json=returned, headers=admin)
    assert _problem(response)["field"] == "lines[0].order_line_id"
    inspection = {"lines": [{"return_line_id": BEYOND_POSTGRES, "outcome": "restock"}]}
    response = client.post("/returns/1/receive", json=inspection, headers=admin)
    assert _problem(response)["field"] == "lines[0].return_line_id"
    assert client.get(f"/stock/{mc}/RETRO-CLOCK", headers=admin).json()["on_hand"] == 10


# --- Paging cursor and If-Match --------------------------------------------------------------


@pytest.mark.parametrize("url", ["/orders", "/stock", "/stock/movements", "/returns", "/users"])
def test_bad_cursor_is_422(client, world, url):
    """Too large for an id, or digits ``int`` cannot read (``%C2%B2`` is ``²``): 422."""
    for cursor in ("99999999999999999999", str(BEYOND_POSTGRES), "%C2%B2", "-1"):
        response = client.get(f"{url}?cursor={cursor}", headers=world.auth("admin"))
        assert _problem(response)["field"] == "cursor", cursor


def test_superscript_digit_in_if_match_is_412(client, world):
    """``"²".isdigit()`` is true but ``int("²")`` fails: it was a 500."""
    order = client.post("/orders", json=order_body(), headers=world.auth("dispatcher")).json()
    response = client.post(f"/orders/{order['id']}/cancel", json={"reason": "x"},
                           headers={**world.auth("admin"), "If-Match": b'"\xb2"'})
    assert _problem(response, 412)["field"] == "If-Match"


# --- Text a database cannot store ----------------------------------------------------------


@pytest.mark.parametrize(("url", "name"), [
    ("/stock/{mc}/RETRO%00CLOCK", "sku"),
    ("/stock/{mc}/RETRO%00CLOCK/thresholds", "sku"),
    ("/stock?sku=RETRO%00CLOCK", "sku"),
    ("/stock/movements?sku=A%00", "sku"),
    ("/orders?customer_email=marie%00@example.com", "customer_email"),
])
def test_nul_in_url_is_422(client, world, url, name):
    url = url.format(mc=world.warehouses["MC"])
    method = "PUT" if url.endswith("/thresholds") else "GET"
    body = {"safety_stock": 1, "reorder_point": 1} if method == "PUT" else None
    response = client.request(method, url, json=body, headers=world.auth("admin"))
    assert _problem(response)["field"] == name


def _warehouse_count(database) -> int:
    with database.uow() as uow:
        return uow.db.scalar(select(func.count(Warehouse.id)))


@pytest.mark.parametrize("text", ["Nice\x00Sud", "\x00", "Nice \ud800"])
def test_unstorable_text_in_body_is_422_and_nothing_is_stored(client, world, database, text):
    before = _warehouse_count(database)
    # json.dumps escapes both as \u0000 and \ud800, as a client library would send them.
    body = json.dumps({"code": "NCE2", "name": text, "lat": 43.7, "lon": 7.26})
    response = client.post("/warehouses", content=body,
                           headers={**world.auth("admin"), "content-type": "application/json"})
    assert _problem(response)["field"] == "name"
    assert _warehouse_count(database) == before


def test_unstorable_text_is_named_in_nested_bodies(client, world):
    body = order_body()
    body["customer"]["name"] = "Marie\x00Curie"
    response = client.post("/orders", json=body, headers=world.auth("dispatcher"))
    assert _problem(response)["field"] == "customer.name"
    sku = {"code": "ICE", "name": "Ice", "price_minor": 1, "weight_g": 1, "volume_ml": 1,
           "skills": ["frozen\x00"]}
    response = client.post("/skus", json=sku, headers=world.auth("operator"))
    assert _problem(response)["field"] == "skills"


# --- Date-times UTC cannot hold ------------------------------------------------------------


@pytest.mark.parametrize(("query", "name"), [
    ("window_from=2025-01-01T00:00:00", "window_from"),  # naive: no offset, ambiguous
    ("window_from=0001-01-01T00:00:00%2B14:00", "window_from"),  # year 0 in UTC
    ("window_to=9999-12-31T23:59:59-14:00", "window_to"),  # year 10000 in UTC
])
def test_order_window_filter_needs_a_utc_representable_offset(client, world, query, name):
    response = client.get(f"/orders?{query}", headers=world.auth("dispatcher"))
    assert _problem(response)["field"] == name


def _delivered_order(client, world) -> dict:
    order = client.post("/orders", json=order_body(), headers=world.auth("dispatcher")).json()
    steps = [("pick", {"lines": [{"sku": "RETRO-CLOCK", "quantity": 1}]}, "operator"),
             ("assign", {"driver_id": world.drivers["ana"]}, "dispatcher"),
             ("depart", None, "driver"), ("deliver", {"recipient_name": "Marie"}, "driver")]
    for step, body, who in steps:
        response = client.post(f"/orders/{order['id']}/{step}", json=body,
                               headers=world.auth(who))
        assert response.status_code == 200, response.text
    return response.json()


def test_pickup_window_beyond_utc_is_422(client, world):
    """A pickup window is stored as given (converted to UTC): year 0 was a 500."""
    order = _delivered_order(client, world)
    body = {"lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1,
                       "reason": "damaged"}], "resolution": "refund",
            "pickup_window": {"start": "0001-01-01T00:00:00+01:00",
                              "end": "0001-01-01T00:30:00+01:00"}}
    response = client.post(f"/orders/{order['id']}/returns", json=body,
                           headers=world.auth("operator"))
    assert _problem(response)["field"] == "pickup_window.start"
    body["pickup_window"] = {"start": "9999-12-31T20:00:00-05:00",
                             "end": "9999-12-31T21:00:00-05:00"}
    response = client.post(f"/orders/{order['id']}/returns", json=body,
                           headers=world.auth("operator"))
    assert _problem(response)["field"] == "pickup_window.start"
    assert client.get("/returns", headers=world.auth("operator")).json()["items"] == []


# --- Stock beyond what a level can count ---------------------------------------------------


def test_receipt_past_the_largest_stock_level_is_409(client, world, database):
    """On hand is a 32-bit column on PostgreSQL: overflowing it was a 500 there (and
    silently fine on SQLite); now both refuse the movement and change nothing."""
    from dispatch.stock.ledger import MAX_UNITS
    from dispatch.stock.models import StockLevel

    mc, sku = world.warehouses["MC"], world.skus["OAT-MILK-1L"]
    with database.uow() as uow:
        uow.db.execute(StockLevel.__table__.update()
                       .where(StockLevel.warehouse_id == mc, StockLevel.sku_id == sku)
                       .values(on_hand=MAX_UNITS - 5))
        uow.commit()
    operator = world.auth("operator")
    receipt = {"warehouse_id": mc, "sku": "OAT-MILK-1L", "quantity": 10}
    assert _problem(client.post("/stock/receipts", json=receipt, headers=operator),
                    409)["field"] == "quantity"
    receipt["quantity"] = 5
    response = client.post("/stock/receipts", json=receipt, headers=operator)
    assert response.status_code == 201, response.text
    assert response.json()["on_hand"] == MAX_UNITS
