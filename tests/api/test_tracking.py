"""Customers follow their order by its tracking link, with no login and no one else's data."""

from datetime import timedelta

from sqlalchemy import update

from dispatch.db.base import utcnow
from dispatch.orders.models import Order
from tests.support.world import order_body


def _place(client, world, **kwargs):
    response = client.post("/orders", json=order_body(**kwargs), headers=world.auth("dispatcher"))
    assert response.status_code == 201, response.text
    return response.json()


def test_tracking_link_shows_the_order_without_login(client, world):
    """No Authorization header: status, window, named items and the timeline."""
    order = _place(client, world, lines=[("RETRO-CLOCK", 2)])
    token = order["tracking_token"]
    assert len(token) == 32
    response = client.get(f"/track/{token}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["order_id"] == order["id"]
    assert view["status"] == "confirmed"
    assert view["lines"] == [{"name": "Retro alarm clock", "quantity": 2}]
    assert [t["status"] for t in view["timeline"]] == ["placed", "confirmed"]
    assert view["driver_first_name"] is None


def test_a_token_reveals_its_own_order_only(client, world):
    """Two customers' links each show their own order; nothing names the other customer."""
    mine = _place(client, world, email="marie@example.com")
    theirs = _place(client, world, email="pierre@example.com")
    view = client.get(f"/track/{mine['tracking_token']}").json()
    assert view["order_id"] == mine["id"]
    text = client.get(f"/track/{mine['tracking_token']}").text
    assert "pierre" not in text and "customer" not in view and "email" not in text
    assert client.get(f"/track/{theirs['tracking_token']}").json()["order_id"] == theirs["id"]


def test_driver_first_name_shows_only_while_on_route(client, world):
    """Assigned to Ana: her first name appears; the surname-free field is all there is."""
    order = _place(client, world)
    lines = [{"sku": line["sku"], "quantity": line["quantity"]} for line in order["lines"]]
    client.post(f"/orders/{order['id']}/pick", json={"lines": lines},
                headers=world.auth("operator"))
    client.post(f"/orders/{order['id']}/assign", json={"driver_id": world.drivers["ana"]},
                headers=world.auth("dispatcher"))
    view = client.get(f"/track/{order['tracking_token']}").json()
    assert view["status"] == "planned"
    assert view["driver_first_name"] == "Ana"


def test_unknown_malformed_and_expired_links_are_404(client, world, database):
    """A guessed token, a malformed one and a link 15 days after delivery all answer 404."""
    order = _place(client, world)
    assert client.get("/track/" + "A" * 32).status_code == 404
    assert client.get("/track/not-a-token").status_code == 404
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order["id"]).values(
            status="delivered", delivered_at=utcnow() - timedelta(days=15)))
        uow.commit()
    response = client.get(f"/track/{order['tracking_token']}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_link_still_works_within_the_reveal_period(client, world, database):
    """Thirteen days after delivery the link still shows the delivered order."""
    order = _place(client, world)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order["id"]).values(
            status="delivered", delivered_at=utcnow() - timedelta(days=13)))
        uow.commit()
    assert client.get(f"/track/{order['tracking_token']}").json()["status"] == "delivered"
