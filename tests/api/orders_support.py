"""Helpers shared by the order API tests."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.orders.models import Order
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
    r = client.post(
        f"/orders/{order['id']}/pick", json={"lines": lines}, headers=world.auth("operator")
    )
    assert r.status_code == 200, r.text
    return r.json()


def _assign(client, world, oid, driver):
    r = client.post(
        f"/orders/{oid}/assign",
        json={"driver_id": world.drivers[driver]},
        headers=world.auth("dispatcher"),
    )
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


def _list(client, world, who="admin", **params):
    r = client.get("/orders", params=params, headers=world.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _ids(client, world, who="admin", **params):
    page = _list(client, world, who, **params)
    assert page["next_cursor"] is None
    return [o["id"] for o in page["items"]]
