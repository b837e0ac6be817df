"""The customer's HTML tracking page: self-contained, strict headers, nothing leaves."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from dispatch.db.base import utcnow
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.tracking.locations import PingIn, record_ping
from tests.support.routes import publish_route, ready_order


def _token(database, order_id: int) -> str:
    with database.uow() as uow:
        return uow.db.get(Order, order_id).tracking_token


def _embedded_view(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="view-data">(.*?)</script>', html,
                      re.DOTALL)
    assert match, "the page embeds its JSON view"
    return json.loads(match.group(1))


def _out_for_delivery(database, world) -> int:
    order_id = ready_order(database, world)
    publish_route(database, world, "ana", [order_id])
    lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])
    record_ping(database.uow(), world.drivers["ana"],
                PingIn(lat=43.7391234, lon=7.4254321, timestamp=utcnow()))
    return order_id


def test_page_shows_status_eta_timeline_and_map(client, world, database):
    token = _token(database, _out_for_delivery(database, world))
    response = client.get(f"/track/{token}/page")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "On its way" in html and "Expected arrival" in html
    assert 'id="map"' in html and "L.map(" in html  # Leaflet inlined, our map code
    assert "Order confirmed" in html  # the timeline
    view = _embedded_view(html)
    assert view["status"] == "out_for_delivery" and view["stops_before"] == 0
    assert view["driver"]["position"]["lat"] == 43.739
    assert "43.7391234" not in html


def test_page_headers_forbid_every_other_source(client, world, database):
    response = client.get(f"/track/{_token(database, ready_order(database, world))}/page")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    policy = dict(part.strip().split(" ", 1)
                  for part in response.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    nonce = re.fullmatch(r"'nonce-([\w-]+)'", policy["script-src"]).group(1)
    assert policy["style-src"] == f"'nonce-{nonce}'"
    for directive in ("img-src", "connect-src", "form-action"):
        assert policy[directive] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    # Every executable script and every style carries this response's nonce.
    html = response.text
    scripts = re.findall(r"<script([^>]*)>", html)
    executable = [attrs for attrs in scripts if "application/json" not in attrs]
    assert len(executable) == 2
    assert all(f'nonce="{nonce}"' in attrs for attrs in executable)
    assert all(f'nonce="{nonce}"' in attrs for attrs in re.findall(r"<style([^>]*)>", html))
    assert " style=" not in html  # inline style attributes would be blocked
    # A fresh nonce per response.
    again = client.get(response.request.url.path).headers["content-security-policy"]
    assert nonce not in again


@pytest.mark.parametrize("kind", ["out_for_delivery", "ready", "delivered"])
def test_page_contains_no_url_at_all(client, world, database, kind):
    """No http(s) URL: nothing a browser could fetch from, or link to, elsewhere."""
    if kind == "out_for_delivery":
        order_id = _out_for_delivery(database, world)
    else:
        order_id = ready_order(database, world)
        if kind == "delivered":
            from dispatch.orders.schemas import DeliverIn

            publish_route(database, world, "ana", [order_id])
            lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])
            lifecycle.deliver(database.uow(), order_id, DeliverIn(recipient_name="M"),
                              world.principals["dispatcher"])
    html = client.get(f"/track/{_token(database, order_id)}/page").text
    assert "http://" not in html and "https://" not in html
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.DOTALL)
    assert not re.search(r"\b(src|href|action)\s*=", markup), "the markup links nothing"
    assert "//cdn" not in html and "url(http" not in html
    if kind == "delivered":
        assert 'id="return-form"' in html and 'name="quantity"' in html


@pytest.mark.parametrize("token", ["A" * 32, "not-a-token", "x" * 300])
def test_unknown_link_is_a_404_page_without_details(client, token):
    response = client.get(f"/track/{token}/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in response.text and token not in response.text
    assert "not available" in response.text


def test_expired_link_is_the_same_404_page(client, world, database):
    order_id = ready_order(database, world)
    token = _token(database, order_id)
    unknown = client.get("/track/" + "Z" * 32 + "/page").text
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id).values(
            status="delivered", delivered_at=utcnow() - timedelta(days=15)))
        uow.commit()
    response = client.get(f"/track/{token}/page")
    assert response.status_code == 404 and response.text == unknown
    assert str(order_id) not in re.sub(r"<[^>]+>", "", response.text)

