"""Self-service from the tracking link: a new window after a failed attempt, a return
after delivery, each under the same rules as staff get, and rate limited per link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from dispatch.db.base import utcnow
from dispatch.events.models import OutboxEvent
from dispatch.orders import lifecycle
from dispatch.orders.models import Order, OrderEvent
from dispatch.orders.schemas import DeliverIn, FailIn
from dispatch.returns.models import Return
from dispatch.settings import Settings
from tests.support.routes import publish_route, ready_order
from tests.support.world import order_body


def _token(database, order_id: int) -> str:
    with database.uow() as uow:
        return uow.db.get(Order, order_id).tracking_token


def _out(database, world, order_id: int) -> None:
    publish_route(database, world, "ana", [order_id])
    lifecycle.depart(database.uow(), order_id, world.principals["dispatcher"])


def _failed_once(database, world) -> int:
    """An order whose delivery failed (not home): ready again, one attempt made."""
    order_id = ready_order(database, world)
    _out(database, world, order_id)
    lifecycle.fail(database.uow(), order_id, FailIn(reason="not_home"),
                   world.principals["driver"])
    return order_id


def _delivered(database, world, lines=(("RETRO-CLOCK", 2),)) -> int:
    order_id = ready_order(database, world, lines=lines)
    _out(database, world, order_id)
    lifecycle.deliver(database.uow(), order_id, DeliverIn(recipient_name="Marie"),
                      world.principals["driver"])
    return order_id


def _window(hours_from_now: float, length_hours: float = 2.0) -> dict:
    start = datetime.now(UTC) + timedelta(hours=hours_from_now)
    return {"window": {"start": start.isoformat(),
                       "end": (start + timedelta(hours=length_hours)).isoformat()}}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.fixture
def custom_client(database, world):
    """``custom_client(**settings)``: the app with some settings changed."""
    opened = []

    def make(**overrides) -> TestClient:
        settings = Settings(database_url=str(database.engine.url), migrate_on_start=False,
                            environment="test", relay_enabled=False, **overrides)
        client = TestClient(create_app(settings, database), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


# --- Reschedule ---------------------------------------------------------------------------


def test_reschedule_after_a_failed_attempt(client, world, database):
    """The window moves, the order stays ready (the next wave picks it up), the version is
    bumped, the timeline and the outbox both record it."""
    order_id = _failed_once(database, world)
    token = _token(database, order_id)
    with database.uow() as uow:
        before = uow.db.get(Order, order_id).version
    assert client.get(f"/track/{token}").json()["can_reschedule"] is True
    body = _window(26)
    response = client.post(f"/track/{token}/reschedule", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "ready"
    assert datetime.fromisoformat(answer["window_start"]) == datetime.fromisoformat(
        body["window"]["start"])
    with database.uow() as uow:
        order = uow.db.get(Order, order_id)
        assert order.status == "ready" and order.version == before + 1
        assert order.window_start == datetime.fromisoformat(body["window"]["start"])
        (event,) = uow.db.scalars(select(OrderEvent).where(
            OrderEvent.order_id == order_id, OrderEvent.reason == "rescheduled by customer"))
        assert (event.from_status, event.to_status, event.actor_user_id) == (
            "ready", "ready", None)
        (outbox,) = uow.db.scalars(select(OutboxEvent).where(
            OutboxEvent.order_id == order_id, OutboxEvent.type == "order.rescheduled"))
        assert outbox.payload["window_start"] == order.window_start.isoformat()
        assert outbox.payload["by"] == "customer"
    view = client.get(f"/track/{token}").json()
    assert view["timeline"][-1]["note"] == "new delivery window chosen"
    assert datetime.fromisoformat(view["window_start"]) == datetime.fromisoformat(
        body["window"]["start"])


@pytest.mark.parametrize("state", ["confirmed", "ready_never_tried", "planned", "delivered"])
def test_reschedule_is_409_unless_ready_after_a_failure(client, world, database, state):
    if state == "confirmed":
        order_id = client.post("/orders", json=order_body(),
                               headers=world.auth("dispatcher")).json()["id"]
    elif state == "ready_never_tried":
        order_id = ready_order(database, world)
    elif state == "planned":
        order_id = ready_order(database, world)
        publish_route(database, world, "ana", [order_id])
    else:
        order_id = _delivered(database, world)
    with database.uow() as uow:
        window_before = uow.db.get(Order, order_id).window_start
    problem = _problem(client.post(f"/track/{_token(database, order_id)}/reschedule",
                                   json=_window(26)), 409)
    assert problem["field"] == "token"
    with database.uow() as uow:
        assert uow.db.get(Order, order_id).window_start == window_before


@pytest.mark.parametrize(("window", "field"), [
    ({"start": 5, "end": 4}, "window.end"),  # ends before it starts
    ({"start": -3, "end": -2}, "window.end"),  # already over
    ({"start": 24 * 40, "end": 24 * 40 + 2}, "window.start"),  # beyond 30 days ahead
])
def test_reschedule_window_follows_the_placement_rules(client, world, database, window, field):
    order_id = _failed_once(database, world)
    now = datetime.now(UTC)
    body = {"window": {k: (now + timedelta(hours=h)).isoformat() for k, h in window.items()}}
    problem = _problem(client.post(f"/track/{_token(database, order_id)}/reschedule",
                                   json=body), 422)
    assert problem["field"] == field


def test_reschedule_refuses_a_naive_window_and_unknown_fields(client, world, database):
    token = _token(database, _failed_once(database, world))
    naive = {"window": {"start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00"}}
    assert _problem(client.post(f"/track/{token}/reschedule", json=naive), 422)["field"] in (
        "window.start", "window.end")
    extra = {**_window(26), "status": "planned"}
    assert _problem(client.post(f"/track/{token}/reschedule", json=extra), 422)["field"] == (
        "status")


def test_unknown_and_expired_links_cannot_act(client, world, database):
    assert _problem(client.post("/track/" + "B" * 32 + "/reschedule", json=_window(26)),
                    404)["field"] == "token"
    order_id = _delivered(database, world)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id)
                       .values(delivered_at=utcnow() - timedelta(days=15)))
        uow.commit()
    body = {"lines": [{"order_line_id": 1, "quantity": 1, "reason": "damaged"}],
            "resolution": "refund"}
    _problem(client.post(f"/track/{_token(database, order_id)}/returns", json=body), 404)


# --- Returns ------------------------------------------------------------------------------


def _line_id(database, order_id: int) -> int:
    with database.uow() as uow:
        return uow.db.get(Order, order_id).lines[0].id


def _return_body(line_id: int, quantity: int = 1, reason: str = "damaged") -> dict:
    return {"lines": [{"order_line_id": line_id, "quantity": quantity, "reason": reason}],
            "resolution": "refund"}


def test_return_after_delivery_as_the_customer(client, world, database):
    order_id = _delivered(database, world)
    token = _token(database, order_id)
    response = client.post(f"/track/{token}/returns", json=_return_body(_line_id(database,
                                                                                  order_id)))
    assert response.status_code == 201, response.text
    ret = response.json()
    assert (ret["order_id"], ret["status"], ret["lines"][0]["quantity"]) == (
        order_id, "requested", 1)
    with database.uow() as uow:
        assert uow.db.get(Return, ret["id"]).requested_by_user_id is None
    # Staff see it like any other return; the link shows one unit left to return.
    staff = client.get(f"/returns/{ret['id']}", headers=world.auth("operator")).json()
    assert staff["id"] == ret["id"]
    assert client.get(f"/track/{token}").json()["returnable"][0]["quantity"] == 1


def test_return_quantity_rules_are_the_staff_rules(client, world, database):
    order_id = _delivered(database, world)
    token, line_id = _token(database, order_id), _line_id(database, order_id)
    problem = _problem(client.post(f"/track/{token}/returns",
                                   json=_return_body(line_id, quantity=3)), 422)
    assert problem["field"] == "lines[0].quantity"
    assert client.post(f"/track/{token}/returns",
                       json=_return_body(line_id, quantity=2)).status_code == 201
    problem = _problem(client.post(f"/track/{token}/returns", json=_return_body(line_id)), 422)
    assert problem["field"] == "lines[0].quantity"
    view = client.get(f"/track/{token}").json()
    assert view["can_return"] is False and view["returnable"] == []


def test_return_of_another_orders_line_is_422(client, world, database):
    mine, theirs = _delivered(database, world), _delivered(database, world)
    problem = _problem(client.post(f"/track/{_token(database, mine)}/returns",
                                   json=_return_body(_line_id(database, theirs))), 422)
    assert problem["field"] == "lines[0].order_line_id"


def test_return_before_delivery_is_409(client, world, database):
    order_id = ready_order(database, world)
    _problem(client.post(f"/track/{_token(database, order_id)}/returns",
                         json=_return_body(_line_id(database, order_id))), 409)


def test_return_after_the_return_window_is_409(custom_client, world, database):
    """Return window 1 day; the link itself still works (14 days)."""
    client = custom_client(return_window_days=1)
    order_id = _delivered(database, world)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == order_id)
                       .values(delivered_at=utcnow() - timedelta(days=2)))
        uow.commit()
    token = _token(database, order_id)
    assert client.get(f"/track/{token}").json()["can_return"] is False
    _problem(client.post(f"/track/{token}/returns",
                         json=_return_body(_line_id(database, order_id))), 409)
    with database.uow() as uow:
        assert uow.db.scalars(select(Return)).all() == []


# --- Rate limit ---------------------------------------------------------------------------


def test_self_service_is_rate_limited_per_link(custom_client, world, database):
    client = custom_client(tracking_post_burst=2, tracking_post_rate_per_minute=1)
    token = _token(database, _failed_once(database, world))
    other = _token(database, _failed_once(database, world))
    bad = {"window": {"start": "x"}}
    assert [client.post(f"/track/{token}/reschedule", json=bad).status_code
            for _ in range(2)] == [422, 422]
    limited = client.post(f"/track/{token}/returns", json=_return_body(1))
    problem = _problem(limited, 429)
    assert problem["type"].endswith("rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    # Another link is not affected, and reading is never limited.
    assert client.post(f"/track/{other}/reschedule", json=_window(26)).status_code == 200
    assert client.get(f"/track/{token}").status_code == 200
