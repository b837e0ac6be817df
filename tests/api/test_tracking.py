"""Customers follow their order by its tracking link, with no login and no one else's data."""

from datetime import datetime, timedelta

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


# --- On a route: ETA, stops ahead, the driver's approximate position ---------------------

OTHER_ADDRESS = (43.7412, 7.4301)  # another customer's door, in Monaco


def _token(database, order_id: int) -> str:
    with database.uow() as uow:
        return uow.db.get(Order, order_id).tracking_token


def _ping(database, world, lat=43.7391234, lon=7.4254321):
    from dispatch.tracking.locations import PingIn, record_ping

    record_ping(database.uow(), world.drivers["ana"],
                PingIn(lat=lat, lon=lon, timestamp=utcnow()))


def _route_of_five(database, world):
    """Five orders on Ana's active route, stop i at now + 10*i minutes; the first is
    another customer's, at another address."""
    from tests.support.routes import publish_route, ready_order

    first = ready_order(database, world, where=OTHER_ADDRESS, email="pierre@example.com")
    rest = [ready_order(database, world) for _ in range(4)]
    ids = [first, *rest]
    publish_route(database, world, "ana", ids)
    return ids


def _depart(database, world, order_id):
    from dispatch.orders import lifecycle

    lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])


def test_eta_and_stops_before_come_from_the_route_stop(client, world, database):
    ids = _route_of_five(database, world)
    view = client.get(f"/track/{_token(database, ids[2])}").json()
    assert view["status"] == "planned"
    assert view["stops_before"] == 2
    with database.uow() as uow:
        from dispatch.stoplists.models import RouteStop

        stop = uow.db.query(RouteStop).filter(RouteStop.order_id == ids[2]).one()
        expected = (stop.eta, stop.eta_low, stop.eta_high)
    got = tuple(datetime.fromisoformat(view["eta"][k]) for k in ("eta", "low", "high"))
    assert got == expected
    assert got[1] < got[0] < got[2]
    assert view["driver"] == {"first_name": "Ana", "position": None}


def test_completed_stops_ahead_no_longer_count(client, world, database):
    from dispatch.stoplists.models import RouteStop

    ids = _route_of_five(database, world)
    with database.uow() as uow:
        uow.db.execute(update(RouteStop).where(RouteStop.order_id.in_(ids[:2]))
                       .values(status="completed"))
        uow.commit()
    assert client.get(f"/track/{_token(database, ids[3])}").json()["stops_before"] == 1


def test_position_shows_only_out_for_delivery_and_close_enough(client, world, database):
    """Reveal limit 3: the 4th stop (3 ahead) sees Ana once she has left, rounded to
    ~100 m; the 5th (4 ahead) never does; nor does anyone while the order is planned."""
    ids = _route_of_five(database, world)
    _ping(database, world)
    near, far = _token(database, ids[3]), _token(database, ids[4])
    assert client.get(f"/track/{near}").json()["driver"]["position"] is None  # planned
    _depart(database, world, ids[3])
    _depart(database, world, ids[4])
    view = client.get(f"/track/{near}").json()
    assert view["status"] == "out_for_delivery" and view["stops_before"] == 3
    position = view["driver"]["position"]
    assert (position["lat"], position["lon"]) == (43.739, 7.425)
    assert "43.7391234" not in client.get(f"/track/{near}").text
    far_view = client.get(f"/track/{far}").json()
    assert far_view["stops_before"] == 4
    assert far_view["driver"] == {"first_name": "Ana", "position": None}
    assert "7.425" not in client.get(f"/track/{far}").text


def test_no_driver_surname_anywhere(client, world, database):
    from dispatch.fleet.models import Driver

    with database.uow() as uow:
        uow.db.execute(update(Driver).where(Driver.id == world.drivers["ana"])
                       .values(name="Ana Lopes-Ferreira"))
        uow.commit()
    ids = _route_of_five(database, world)
    _depart(database, world, ids[1])
    _ping(database, world)
    token = _token(database, ids[1])
    for path in (f"/track/{token}", f"/track/{token}/page"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Lopes" not in response.text and "Ferreira" not in response.text
    assert client.get(f"/track/{token}").json()["driver"]["first_name"] == "Ana"


def test_another_orders_link_reveals_nothing_of_this_one(client, world, database):
    """The first stop is Pierre's: Marie's link on the same route counts it, never shows it."""
    ids = _route_of_five(database, world)
    _depart(database, world, ids[1])
    mine = client.get(f"/track/{_token(database, ids[1])}")
    view = mine.json()
    assert view["order_id"] == ids[1] and view["stops_before"] == 1
    for leak in ("43.7412", "7.4301", "pierre", _token(database, ids[0])):
        assert leak not in mine.text
    assert (view["destination"]["lat"], view["destination"]["lon"]) != OTHER_ADDRESS
    theirs = client.get(f"/track/{_token(database, ids[0])}").json()
    assert theirs["order_id"] == ids[0] and theirs["stops_before"] == 0
    assert theirs["eta"] != view["eta"]


def test_eta_is_gone_once_the_route_is_no_longer_active(client, world, database):
    from dispatch.stoplists.models import DriverRoute

    ids = _route_of_five(database, world)
    with database.uow() as uow:
        uow.db.execute(update(DriverRoute).values(status="superseded"))
        uow.commit()
    view = client.get(f"/track/{_token(database, ids[0])}").json()
    assert view["eta"] is None and view["stops_before"] is None
    assert view["driver"] == {"first_name": "Ana", "position": None}


def test_self_service_flags_follow_the_order(client, world, database):
    from dispatch.orders import lifecycle
    from dispatch.orders.schemas import DeliverIn
    from tests.support.routes import publish_route, ready_order

    order_id = ready_order(database, world, lines=(("RETRO-CLOCK", 2), ("OAT-MILK-1L", 1)))
    token = _token(database, order_id)
    view = client.get(f"/track/{token}").json()
    assert (view["can_reschedule"], view["can_return"], view["returnable"]) == (False, False, [])
    publish_route(database, world, "ana", [order_id])
    _depart(database, world, order_id)
    lifecycle.deliver(database.uow(), order_id, DeliverIn(recipient_name="Marie"),
                      world.principals["dispatcher"])
    view = client.get(f"/track/{token}").json()
    assert view["can_return"] is True and view["can_reschedule"] is False
    assert [(line["name"], line["quantity"]) for line in view["returnable"]] == [
        ("Retro alarm clock", 2), ("Oat milk 1 l", 1)]
    assert datetime.fromisoformat(view["return_until"]) > utcnow() + timedelta(days=29)
