"""Two API processes behind one PostgreSQL: the driver talks to one, the dispatcher and
the customer to the other. Pings, ETAs and stop events reach them all the same, because
every process reads what happened from the database (the stream tails the outbox and the
positions), not from its own memory. With Redis pub/sub the other process's stream reads
them at once instead of at its next poll."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.orders.models import Order
from tests.api.test_stream import SSE, Reader
from tests.concurrency.conftest import postgres_url_for_schema, start_uvicorn, stop_uvicorn
from tests.support.routes import stop_ids
from tests.support.world import MONACO, World, seed_world
from tests.tracking.test_eta import make_route
from tests.workers.conftest import REDIS_URL, redis_unavailable_reason

SLOW_POLL_SECONDS = 30.0


@dataclass
class Pair:
    driver_side: str
    dispatcher_side: str
    database: Database
    world: World


def start_pair(postgres_schema, tmp_path, **extra_env: str) -> Iterator[Pair]:
    database = postgres_schema.fresh()
    world = seed_world(database)
    url = postgres_url_for_schema(postgres_schema.url, postgres_schema.schema)
    env = {"DISPATCH_RELAY_ENABLED": "false", "DISPATCH_WAVE_SCHEDULER_ENABLED": "false",
           **extra_env}
    a, a_url = start_uvicorn(url, workers=1, log_path=tmp_path / "a.log", extra_env=env)
    b, b_url = start_uvicorn(url, workers=1, log_path=tmp_path / "b.log", extra_env=env)
    yield Pair(a_url, b_url, database, world)
    stop_uvicorn(a)
    stop_uvicorn(b)
    database.dispose()


@pytest.fixture
def pair(postgres_schema, tmp_path) -> Iterator[Pair]:
    yield from start_pair(postgres_schema, tmp_path)


@pytest.fixture
def woken_pair(postgres_schema, tmp_path) -> Iterator[Pair]:
    """Streams that poll only every 30 s, woken through Redis."""
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    yield from start_pair(postgres_schema, tmp_path, DISPATCH_PUBSUB_URL=REDIS_URL,
                          DISPATCH_STREAM_POLL_SECONDS=str(SLOW_POLL_SECONDS))


def test_a_ping_and_a_stop_event_on_one_process_reach_the_other(pair):
    route_id, order_ids = make_route(pair.database, pair.world)
    with pair.database.read_uow() as uow:
        token = uow.db.scalar(select(Order.tracking_token).where(Order.id == order_ids[0]))
    driver, dispatcher = pair.world.auth("driver"), pair.world.auth("dispatcher")
    with httpx.Client(timeout=httpx.Timeout(20.0, connect=10.0)) as client:
        before = client.get(f"{pair.dispatcher_side}/track/{token}").json()["eta"]["eta"]
        with client.stream("GET", pair.dispatcher_side + "/stream",
                           headers={**SSE, **dispatcher}) as stream:
            reader = Reader(stream)
            assert reader.next_block() == {"retry": "2000"}
            ping = {"lat": MONACO[0], "lon": MONACO[1], "timestamp": utcnow().isoformat()}
            r = client.post(f"{pair.driver_side}/drivers/me/location", json=ping,
                            headers=driver)
            assert r.status_code == 200, r.text
            seen = reader.until(lambda b: b.get("event") == "driver.position")
            position = json.loads(seen[-1]["data"])
            assert (position["driver_id"], position["lat"], position["lon"]) == (
                pair.world.drivers["ana"], MONACO[0], MONACO[1])
            first = stop_ids(pair.database, route_id)[0]
            r = client.post(f"{pair.driver_side}/drivers/me/stops/{first}/arrived", json={},
                            headers=driver)
            assert r.status_code == 200, r.text
            seen = reader.until(lambda b: b.get("event") == "stop.arrived")
            assert json.loads(seen[-1]["data"])["stop_id"] == first
        # The customer asking the other process sees the ETA the driver's process set.
        after = client.get(f"{pair.dispatcher_side}/track/{token}").json()
        assert after["eta"]["eta"] != before


def test_with_pubsub_the_other_process_streams_a_ping_long_before_its_next_poll(woken_pair):
    pair = woken_pair
    route_id, _ = make_route(pair.database, pair.world)
    driver, dispatcher = pair.world.auth("driver"), pair.world.auth("dispatcher")
    with httpx.Client(timeout=httpx.Timeout(20.0, connect=10.0)) as client:
        with client.stream("GET", pair.dispatcher_side + "/stream",
                           headers={**SSE, **dispatcher}) as stream:
            reader = Reader(stream)
            assert reader.next_block() == {"retry": "2000"}
            time.sleep(1.0)  # past the stream's first read: the next is 30 s away
            for event, send in [
                ("driver.position", lambda: client.post(
                    f"{pair.driver_side}/drivers/me/location", headers=driver, json={
                        "lat": MONACO[0], "lon": MONACO[1],
                        "timestamp": utcnow().isoformat()})),
                ("stop.arrived", lambda: client.post(
                    f"{pair.driver_side}/drivers/me/stops/"
                    f"{stop_ids(pair.database, route_id)[0]}/arrived",
                    json={}, headers=driver)),
            ]:
                sent = time.monotonic()
                assert send().status_code == 200
                reader.until(lambda b, event=event: b.get("event") == event)
                # Seconds, where polling alone would take up to SLOW_POLL_SECONDS.
                assert time.monotonic() - sent < SLOW_POLL_SECONDS / 3, event
