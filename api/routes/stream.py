"""A server-sent-events stream for dispatchers: positions, stop events, ETA changes.

``GET /stream`` with ``Accept: text/event-stream`` (what ``EventSource`` sends) stays
open; any other client gets one poll's worth (positions and the events after
``Last-Event-ID``) and the response ends, so scripts and test clients can catch up
without hanging on a stream that never finishes.

The stream ends when the client goes away (Starlette cancels it) and when the server is
asked to stop: uvicorn waits for open responses before shutting down, so the stream
watches for the same SIGTERM/SIGINT and finishes by itself.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import SettingsDep, caller, get_database
from dispatch.auth.roles import Role
from dispatch.common.schemas import MAX_ID, Id
from dispatch.db.database import Database
from dispatch.errors import Invalid
from dispatch.tracking.stream import EventPoller, check_warehouse, sse

router = APIRouter(prefix="/stream", tags=["stream"])

Watcher = caller(Role.ADMIN, Role.DISPATCHER)
EVENT_STREAM = "text/event-stream"


class ServerShutdown:
    """Set when the process is told to stop, by chaining onto the server's own signal
    handlers (uvicorn's); hooked once, from the main thread, where handlers live."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._hooked = False

    def hook(self) -> None:
        if self._hooked or threading.current_thread() is not threading.main_thread():
            return
        self._hooked = True
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):  # no server handler to chain onto (not under uvicorn)
                continue

            def handler(signum, frame, previous=previous):
                self.stopping.set()
                previous(signum, frame)

            signal.signal(sig, handler)


shutdown = ServerShutdown()


def _last_event_id(value: str | None) -> int | None:
    """The outbox id a reconnecting client had; 422 naming the header if it is not one."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise Invalid("Last-Event-ID must be an id this stream sent", field="Last-Event-ID")
    return int(value)


@router.get(
    "", response_class=StreamingResponse,
    responses={200: {"description": "server-sent events: `id:` outbox id, `event:` type, "
                                    "`data:` JSON payload; `driver.position` events carry no id",
                     "content": {EVENT_STREAM: {"schema": {"type": "string"}}}},
               404: {"description": "no such warehouse"}})
def stream_events(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    settings: SettingsDep,
    principal: Watcher,
    warehouse_id: Annotated[Id | None, Query(description="only this warehouse")] = None,
    last_event_id: Annotated[str | None, Header(
        alias="Last-Event-ID", max_length=20, description="resume after this event id")] = None,
) -> StreamingResponse:
    """Outbox events (stop events, ETA changes, order status changes, plan commits) and
    driver positions, live, for the dispatcher map."""
    after = _last_event_id(last_event_id)
    check_warehouse(database.read_uow(), warehouse_id)
    poller = EventPoller(database.read_uow, after=after, warehouse_id=warehouse_id)
    follow = EVENT_STREAM in request.headers.get("accept", "").lower()

    waiter = database.wakeups.waiter() if database.wakeups is not None else None

    async def body() -> AsyncIterator[str]:
        shutdown.hook()  # the generator runs on the event loop: the main thread under uvicorn
        try:
            async for chunk in sse(poller, follow=follow,
                                   poll_seconds=settings.stream_poll_seconds,
                                   keepalive_seconds=settings.stream_keepalive_seconds,
                                   should_stop=shutdown.stopping.is_set,
                                   sleep=waiter.wait if waiter else anyio.sleep):
                yield chunk
        finally:
            if waiter is not None:
                waiter.close()

    return StreamingResponse(body(), media_type=EVENT_STREAM, headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
