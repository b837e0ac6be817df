"""Idempotency keys on POST /orders (Stripe's semantics), on SQLite and PostgreSQL.

Seeded stock: Monaco (MC) 10 clocks; Nice (NCE) a single lamp.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from dispatch.errors import Conflict
from dispatch.idempotency import service as keys
from dispatch.idempotency.models import IdempotencyKey
from dispatch.orders.models import Order
from dispatch.orders.schemas import OrderCreate
from tests.support.world import order_body

PROBLEM = "application/problem+json"
REPLAYED = "Idempotent-Replayed"


def _post(client, world, body, key, who="dispatcher"):
    headers = {**world.auth(who), "Idempotency-Key": key}
    return client.post("/orders", json=body, headers=headers)


def _order_ids(database):
    with database.uow() as uow:
        return list(uow.db.scalars(select(Order.id).order_by(Order.id)))


def _reserved(client, world, wh, sku):
    r = client.get(f"/stock/{world.warehouses[wh]}/{sku}", headers=world.auth("operator"))
    assert r.status_code == 200, r.text
    return r.json()["reserved"]


def _fingerprint(body):
    """The fingerprint the API computes for POST /orders with ``body`` (as parsed)."""
    parsed = OrderCreate.model_validate(body).model_dump(mode="json")
    return keys.request_fingerprint("POST", "/orders", parsed)


def _claim(database, world, key, body, *, who="dispatcher", now=None, ttl_hours=24):
    """Claim ``key`` as the API would, as if a request had just started running."""
    return keys.begin(
        database.uow(), owner_user_id=world.principals[who].user_id, key=key,
        fingerprint=_fingerprint(body), ttl=timedelta(hours=ttl_hours),
        stale_after=timedelta(seconds=60), now=now,
    )


# --- Replays -----------------------------------------------------------------------------


def test_same_key_and_body_replays_the_first_response(client, world, database):
    """A retried order with the same key gets the same 201 and body; one order, one hold."""
    body = order_body([("RETRO-CLOCK", 2)])
    first = _post(client, world, body, "order-0001")
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers

    again = _post(client, world, body, "order-0001")
    assert again.status_code == 201, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.headers["content-type"] == "application/json"
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Location"] == f"/orders/{first.json()['id']}"

    assert _order_ids(database) == [first.json()["id"]]
    assert _reserved(client, world, "MC", "RETRO-CLOCK") == 2


def test_same_key_with_a_different_body_is_422(client, world, database):
    """The key was used for 2 clocks; asking for 3 under it is 422 naming Idempotency-Key."""
    first = _post(client, world, order_body([("RETRO-CLOCK", 2)]), "order-0002")
    assert first.status_code == 201, first.text
    r = _post(client, world, order_body([("RETRO-CLOCK", 3)]), "order-0002")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "Idempotency-Key"
    assert _order_ids(database) == [first.json()["id"]]
    assert _reserved(client, world, "MC", "RETRO-CLOCK") == 2


def test_same_key_on_a_different_path_is_422(client, world):
    """The key used to place an order cannot be reused to cancel it."""
    first = _post(client, world, order_body(), "shared-key")
    assert first.status_code == 201, first.text
    r = client.post(f"/orders/{first.json()['id']}/cancel", json={"reason": "x"},
                    headers={**world.auth("dispatcher"), "Idempotency-Key": "shared-key"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "Idempotency-Key"


def test_keys_are_scoped_per_caller(client, world, database):
    """Admin and dispatcher both send key "checkout-1" with the same body: two orders."""
    body = order_body()
    by_admin = _post(client, world, body, "checkout-1", who="admin")
    by_dispatcher = _post(client, world, body, "checkout-1", who="dispatcher")
    assert by_admin.status_code == 201, by_admin.text
    assert by_dispatcher.status_code == 201, by_dispatcher.text
    assert REPLAYED not in by_dispatcher.headers
    assert by_admin.json()["id"] != by_dispatcher.json()["id"]
    assert len(_order_ids(database)) == 2
    assert _reserved(client, world, "MC", "RETRO-CLOCK") == 2


def test_a_409_shortfall_is_replayed_even_after_stock_arrives(client, world, database):
    """Two lamps (one exists) under a key: 409; after a receipt the retry still gets that 409."""
    body = order_body([("LAST-UNIT-LAMP", 2)])
    first = _post(client, world, body, "lamps-please")
    assert first.status_code == 409, first.text
    assert first.json()["shortfall"] == [
        {"sku": "LAST-UNIT-LAMP", "requested": 2, "available": 1}]

    r = client.post("/stock/receipts",
                    json={"warehouse_id": world.warehouses["NCE"], "sku": "LAST-UNIT-LAMP",
                          "quantity": 4},
                    headers=world.auth("operator"))
    assert r.status_code == 201, r.text

    again = _post(client, world, body, "lamps-please")
    assert again.status_code == 409, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.headers["content-type"] == PROBLEM
    assert again.json() == first.json()
    assert _order_ids(database) == []

    # A new key is a new request: now there are 5 lamps, so it succeeds.
    fresh = _post(client, world, body, "lamps-please-2")
    assert fresh.status_code == 201, fresh.text


def test_a_declined_payment_is_replayed_without_a_second_charge(client, world, database):
    """A 402 decline is stored and replayed; the declined order exists once."""
    body = order_body(card="tok_chargeDeclined")
    first = _post(client, world, body, "declined-1")
    assert first.status_code == 402, first.text
    again = _post(client, world, body, "declined-1")
    assert again.status_code == 402
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert _order_ids(database) == [first.json()["order_id"]]


def test_a_bad_key_is_422(client, world, database):
    """A key with a control character is refused, naming Idempotency-Key; no order."""
    r = _post(client, world, order_body(), "bad\tkey")
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "Idempotency-Key"
    assert _order_ids(database) == []


# --- Keys still running, stale keys, expired keys ----------------------------------------


def test_a_key_still_in_flight_is_409(client, world, database):
    """While a first request with the key is still running, a retry gets 409; no order."""
    body = order_body()
    key_id, stored = _claim(database, world, "in-flight-1", body)
    assert stored is None
    r = _post(client, world, body, "in-flight-1")
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "Idempotency-Key"
    assert _order_ids(database) == []
    assert _reserved(client, world, "MC", "RETRO-CLOCK") == 0


def test_a_stale_in_flight_key_is_taken_over(client, world, database):
    """A key claimed 2 minutes ago (stale after 60 s) and never answered: the retry runs."""
    assert client.app.state.settings.idempotency_stale_seconds == 60
    body = order_body()
    two_minutes_ago = datetime.now(UTC) - timedelta(minutes=2)
    _claim(database, world, "crashed-1", body, now=two_minutes_ago)

    r = _post(client, world, body, "crashed-1")
    assert r.status_code == 201, r.text
    assert REPLAYED not in r.headers
    assert _order_ids(database) == [r.json()["id"]]
    # ...and from then on the key replays that order.
    again = _post(client, world, body, "crashed-1")
    assert again.headers[REPLAYED] == "true"
    assert again.json()["id"] == r.json()["id"]


def test_an_expired_key_is_treated_as_new(client, world, database):
    """Once a key's expires_at has passed, it can be used again, even for another body."""
    first = _post(client, world, order_body([("RETRO-CLOCK", 1)]), "yesterday")
    assert first.status_code == 201, first.text
    with database.uow() as uow:
        uow.db.execute(update(IdempotencyKey).values(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        uow.commit()

    second = _post(client, world, order_body([("RETRO-CLOCK", 3)]), "yesterday")
    assert second.status_code == 201, second.text
    assert REPLAYED not in second.headers
    assert second.json()["id"] != first.json()["id"]
    assert _reserved(client, world, "MC", "RETRO-CLOCK") == 4
    with database.uow() as uow:
        assert uow.db.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_purge_expired_deletes_only_expired_keys(world, database):
    """Keys from 2 days and 1 day + 1 minute ago have expired (24 h TTL); 23 h ago has not."""
    now = datetime.now(UTC)
    body = order_body()
    _claim(database, world, "two-days-old", body, now=now - timedelta(days=2))
    _claim(database, world, "a-day-and-a-minute", body, now=now - timedelta(hours=24, minutes=1))
    _claim(database, world, "23-hours-old", body, now=now - timedelta(hours=23))
    _claim(database, world, "just-now", body, now=now)

    assert keys.purge_expired(database.uow(), now=now) == 2
    with database.uow() as uow:
        left = sorted(uow.db.scalars(select(IdempotencyKey.key)))
    assert left == ["23-hours-old", "just-now"]
    assert keys.purge_expired(database.uow(), now=now) == 0


# --- request_fingerprint -----------------------------------------------------------------


def test_fingerprint_ignores_key_order():
    """The same body with its keys in another order is the same request."""
    a = {"customer": {"name": "Marie", "email": "m@example.com"}, "priority": 1}
    b = {"priority": 1, "customer": {"email": "m@example.com", "name": "Marie"}}
    assert keys.request_fingerprint("POST", "/orders", a) == keys.request_fingerprint(
        "POST", "/orders", b)
    assert keys.request_fingerprint("post", "/orders", a) == keys.request_fingerprint(
        "POST", "/orders", a)


def test_fingerprint_tells_requests_apart():
    """Another path, method or body value gives another fingerprint."""
    body = {"reason": "customer called"}
    base = keys.request_fingerprint("POST", "/orders/1/cancel", body)
    assert len(base) == 64
    assert keys.request_fingerprint("POST", "/orders/2/cancel", body) != base
    assert keys.request_fingerprint("PUT", "/orders/1/cancel", body) != base
    assert keys.request_fingerprint("POST", "/orders/1/cancel", {"reason": "other"}) != base
    assert keys.request_fingerprint("POST", "/orders/1/cancel", [1, 2]) != (
        keys.request_fingerprint("POST", "/orders/1/cancel", [2, 1]))


def test_two_retries_cannot_both_take_over_a_stale_key(world, database):
    """A retry that read a stale key while another retry was taking it over gets 409."""
    body = order_body()
    key_id, _ = _claim(database, world, "crashed-2", body,
                       now=datetime.now(UTC) - timedelta(minutes=2))
    # The other retry has taken the key over but not yet committed.
    other = database.uow()
    other.__enter__()
    try:
        other.db.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id)
                         .values(created_at=datetime.now(UTC)))
        with ThreadPoolExecutor(1) as pool:
            ours = pool.submit(_claim, database, world, "crashed-2", body)
            time.sleep(0.5)  # let ours read the key and wait on the other's lock
            other.commit()
            with pytest.raises(Conflict) as refused:
                ours.result(timeout=30)
    finally:
        other.__exit__(None, None, None)
    assert refused.value.field == "Idempotency-Key"
