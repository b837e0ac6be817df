"""The dispatcher event stream: who may open it, catching up, and live over real uvicorn."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from dispatch.db.base import utcnow
from dispatch.tracking.locations import PingIn, record_ping
from tests.concurrency.conftest import postgres_url_for_schema, start_uvicorn, stop_uvicorn
from tests.support.routes import ready_order
from tests.support.world import seed_world

SSE = {"Accept": "text/event-stream"}
SHUTDOWN_WAIT_S = 30.0


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def parse(text: str) -> list[dict]:
    """SSE blocks as dicts of their fields (comments under ``comment``)."""
    blocks = []
    for raw in text.split("\n\n"):
        if not raw.strip():
            continue
        block: dict = {}
        for line in raw.split("\n"):
            name, _, value = line.partition(":")
            block[name or "comment"] = value[1:] if value.startswith(" ") else value
        blocks.append(block)
    return blocks


# --- In process: access and catch-up -------------------------------------------------------


def test_only_admins_and_dispatchers_may_watch(client, world):
    assert _problem(client.get("/stream"), 401)["field"] == "Authorization"
    for who in ("driver", "operator"):
        _problem(client.get("/stream", headers={**SSE, **world.auth(who)}), 403)


def test_bad_last_event_id_and_unknown_warehouse(client, world):
    headers = world.auth("dispatcher")
    problem = _problem(client.get("/stream", headers={**headers, "Last-Event-ID": "abc"}), 422)
    assert problem["field"] == "Last-Event-ID"
    problem = _problem(client.get("/stream?warehouse_id=7654321", headers=headers), 404)
    assert problem["field"] == "warehouse_id"
    _problem(client.get("/stream?warehouse_id=0", headers=headers), 422)


def test_without_accepting_a_stream_the_response_is_one_catch_up(client, world, database):
    """A plain client gets positions and what followed Last-Event-ID, and the end."""
    record_ping(database.uow(), world.drivers["ana"],
                PingIn(lat=43.7396, lon=7.4276, timestamp=utcnow()))
    ready_order(database, world)  # order.confirmed, order.ready
    response = client.get("/stream", headers={**world.auth("admin"), "Last-Event-ID": "0"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    blocks = parse(response.text)
    assert blocks[0] == {"retry": "2000"}
    outbox = [b for b in blocks if "id" in b]
    assert [b["event"] for b in outbox] == ["order.confirmed", "order.ready"]
    assert [int(b["id"]) for b in outbox] == sorted(int(b["id"]) for b in outbox)
    assert [b["event"] for b in blocks if "id" not in b and "event" in b] == ["driver.position"]
    after_first = client.get("/stream", headers={**world.auth("dispatcher"),
                                                  "Last-Event-ID": outbox[0]["id"]})
    assert [b["event"] for b in parse(after_first.text) if "id" in b] == ["order.ready"]


# --- Live, against a real uvicorn -----------------------------------------------------------


@dataclass
class Live:
    base_url: str
    process: object
    database: object
    world: object


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request, tmp_path) -> Iterator[Live]:
    if request.param == "sqlite":
        database = request.getfixturevalue("sqlite_template").fresh(tmp_path)
        url = database.engine.url.render_as_string(hide_password=False)
    else:
        schema = request.getfixturevalue("postgres_schema")
        database = schema.fresh()
        url = postgres_url_for_schema(schema.url, schema.schema)
    world = seed_world(database)
    process, base_url = start_uvicorn(
        url, workers=1, log_path=tmp_path / "uvicorn.log",
        extra_env={"DISPATCH_STREAM_KEEPALIVE_SECONDS": "1", "DISPATCH_RELAY_ENABLED": "false"})
    yield Live(base_url, process, database, world)
    stop_uvicorn(process)
    database.dispose()


class Reader:
    """Reads SSE blocks off an open response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.iter_lines()

    def next_block(self) -> dict | None:
        lines = []
        for line in self._lines:
            if line == "":
                if lines:
                    return parse("\n".join(lines))[0]
                continue
            lines.append(line)
        return None  # the server ended the stream

    def until(self, wanted, limit: int = 50) -> list[dict]:
        seen = []
        for _ in range(limit):
            block = self.next_block()
            assert block is not None, f"stream ended before {wanted}: {seen}"
            seen.append(block)
            if wanted(block):
                return seen
        raise AssertionError(f"{wanted} not seen in {seen}")


def _open(live: Live, client: httpx.Client, **headers):
    return client.stream("GET", live.base_url + "/stream",
                         headers={**SSE, **live.world.auth("dispatcher"), **headers})


def test_live_stream_positions_events_keepalive_and_resume(live):
    timeout = httpx.Timeout(20.0, connect=10.0)
    with httpx.Client(timeout=timeout) as client:
        with _open(live, client) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = Reader(response)
            assert reader.next_block() == {"retry": "2000"}
            record_ping(live.database.uow(), live.world.drivers["ana"],
                        PingIn(lat=43.7396, lon=7.4276, timestamp=utcnow()))
            seen = reader.until(lambda b: b.get("event") == "driver.position")
            assert json.loads(seen[-1]["data"])["driver_id"] == live.world.drivers["ana"]
            ready_order(live.database, live.world)
            seen = reader.until(lambda b: b.get("event") == "order.ready")
            outbox = [b for b in seen if "id" in b]
            assert [b["event"] for b in outbox] == ["order.confirmed", "order.ready"]
            assert reader.until(lambda b: "comment" in b)[-1]["comment"] == "keepalive"
        # Reconnecting with the first id replays only what followed it.
        with _open(live, client, **{"Last-Event-ID": outbox[0]["id"]}) as response:
            reader = Reader(response)
            seen = reader.until(lambda b: "id" in b)
            assert (seen[-1]["event"], seen[-1]["id"]) == ("order.ready", outbox[1]["id"])


def test_live_stream_ends_when_the_server_shuts_down(live):
    with httpx.Client(timeout=httpx.Timeout(20.0, connect=10.0)) as client:
        with _open(live, client) as response:
            reader = Reader(response)
            assert reader.next_block() == {"retry": "2000"}
            live.process.send_signal(signal.SIGTERM)
            # Keepalives (every second here) until the stream ends; a stream that outlives
            # the shutdown would hold the server up forever, so give up after a while.
            deadline = time.monotonic() + SHUTDOWN_WAIT_S
            while reader.next_block() is not None:
                assert time.monotonic() < deadline, "the stream kept going after SIGTERM"
    live.process.wait(timeout=SHUTDOWN_WAIT_S)  # exits by itself, no SIGKILL needed
