"""The dispatchers' live feed: outbox events and driver positions as server-sent events.

Outbox rows are the record of what happened (stop events, ETA changes, order status
changes, plan commits), so the stream tails them by id: ``id:`` is the outbox id, which
a reconnecting ``EventSource`` sends back as ``Last-Event-ID`` to resume right after it.
Driver positions are state, not events (they are not in the outbox): each poll sends the
positions that changed since the previous one, and a new connection starts with all of
them. Every poll is its own short transaction; nothing holds a session while waiting.

PostgreSQL hands out ids when rows are inserted, not when they commit, so a transaction
still in flight can commit a lower id after a higher one was seen. The poller waits for
such a gap to fill for ``gap_grace_seconds`` before passing over it (a rolled-back
transaction leaves a gap that never fills).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.events.models import OutboxEvent
from dispatch.events.types import EventType
from dispatch.fleet.models import Driver
from dispatch.orders.models import Order
from dispatch.stock.models import Warehouse
from dispatch.tracking.models import DriverPosition

KEEPALIVE = ": keepalive\n\n"


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event; ``id`` only for outbox events (positions do not move it)."""

    event: str
    data: Mapping[str, Any]
    id: int | None = None

    def encode(self) -> str:
        """The wire form; JSON escapes newlines, so ``data`` is always one line."""
        head = f"id: {self.id}\n" if self.id is not None else ""
        body = json.dumps(self.data, separators=(",", ":"), default=str)
        return f"{head}event: {self.event}\ndata: {body}\n\n"


def check_warehouse(uow: UnitOfWork, warehouse_id: int | None) -> None:
    """404 naming ``warehouse_id`` when the stream is asked to filter on no warehouse."""
    if warehouse_id is None:
        return
    with uow:
        if uow.db.get(Warehouse, warehouse_id) is None:
            raise NotFound(f"warehouse {warehouse_id} does not exist", field="warehouse_id")


class EventPoller:
    """What happened since the previous ``poll``: new outbox events, moved drivers.

    ``after`` is the last outbox id the client has (``Last-Event-ID``); None starts at
    the newest event, without replaying history. With ``warehouse_id`` only events and
    drivers of that warehouse are sent; an event belongs to the ``warehouse_id`` in its
    payload, else to its order's warehouse, else to its driver's.
    """

    def __init__(self, open_uow: Callable[[], UnitOfWork], *, after: int | None = None,
                 warehouse_id: int | None = None, batch: int = 500,
                 gap_grace_seconds: float = 5.0,
                 position_max_age: timedelta = timedelta(hours=12),
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = utcnow) -> None:
        self._open_uow = open_uow
        self.last_id: int | None = after
        self.warehouse_id = warehouse_id
        self.batch = batch
        self.gap_grace_seconds = gap_grace_seconds
        self.position_max_age = position_max_age
        self._clock = clock
        self._now = now
        self._gap_since: float | None = None
        self._first = True
        self._sent_positions: dict[int, datetime] = {}

    def poll(self) -> list[StreamEvent]:
        """New events in outbox order, then the positions that changed."""
        with self._open_uow() as uow:
            db = uow.db
            if self._first:
                self._first = False
                newest = db.scalar(select(func.max(OutboxEvent.id))) or 0
                # An id from the future (another database) would stall the stream.
                if self.last_id is None or self.last_id > newest:
                    self.last_id = newest
            events = self._outbox(db)
            return events + self._positions(db)

    def _may_pass_gap(self, occurred_at: datetime) -> bool:
        """Whether ids missing before a row can be given up on: the row is older than the
        grace period, or the gap has been waited on that long."""
        if self._now() - occurred_at > timedelta(seconds=self.gap_grace_seconds):
            return True
        if self._gap_since is None:
            self._gap_since = self._clock()
        return self._clock() - self._gap_since >= self.gap_grace_seconds

    def _outbox(self, db: Session) -> list[StreamEvent]:
        rows = db.execute(
            select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.payload,
                   OutboxEvent.occurred_at, Order.warehouse_id.label("order_warehouse"),
                   Driver.warehouse_id.label("driver_warehouse"))
            .outerjoin(Order, Order.id == OutboxEvent.order_id)
            .outerjoin(Driver, Driver.id == OutboxEvent.driver_id)
            .where(OutboxEvent.id > self.last_id)
            .order_by(OutboxEvent.id).limit(self.batch)
        ).all()
        events = []
        for row in rows:
            if row.id != self.last_id + 1 and not self._may_pass_gap(row.occurred_at):
                break
            self._gap_since = None
            self.last_id = row.id
            if self._wanted(row):
                events.append(StreamEvent(row.type, row.payload or {}, row.id))
        return events

    def _wanted(self, row) -> bool:
        if self.warehouse_id is None:
            return True
        stated = (row.payload or {}).get("warehouse_id")
        several = (row.payload or {}).get("warehouse_ids")  # a plan spanning warehouses
        if isinstance(several, list):
            return self.warehouse_id in several
        owner = stated if isinstance(stated, int) else (row.order_warehouse
                                                         or row.driver_warehouse)
        return owner == self.warehouse_id

    def _positions(self, db: Session) -> list[StreamEvent]:
        query = select(DriverPosition).where(
            DriverPosition.recorded_at >= self._now() - self.position_max_age)
        if self.warehouse_id is not None:
            query = query.join(Driver, Driver.id == DriverPosition.driver_id).where(
                Driver.warehouse_id == self.warehouse_id)
        events = []
        for position in db.scalars(query.order_by(DriverPosition.driver_id)):
            if self._sent_positions.get(position.driver_id) == position.recorded_at:
                continue
            self._sent_positions[position.driver_id] = position.recorded_at
            events.append(StreamEvent(EventType.DRIVER_POSITION.value, {
                "driver_id": position.driver_id, "lat": position.lat, "lon": position.lon,
                "recorded_at": position.recorded_at.isoformat(),
                "speed_kmh": position.speed_kmh, "heading_deg": position.heading_deg,
                "accuracy_m": position.accuracy_m,
            }))
        return events


async def _in_thread(poll: Callable[[], list[StreamEvent]]) -> list[StreamEvent]:
    return await anyio.to_thread.run_sync(poll)


async def sse(poller: EventPoller, *, follow: bool = True, poll_seconds: float = 0.5,
              keepalive_seconds: float = 15.0, retry_ms: int = 2000,
              should_stop: Callable[[], bool] = lambda: False,
              clock: Callable[[], float] = time.monotonic,
              sleep: Callable[[float], Awaitable[Any]] = anyio.sleep,
              run_poll: Callable[[Callable[[], list[StreamEvent]]],
                                 Awaitable[list[StreamEvent]]] = _in_thread,
              ) -> AsyncIterator[str]:
    """The event-stream text: a ``retry:`` hint, then every poll's events, a keepalive
    comment when nothing was sent for ``keepalive_seconds``, until ``should_stop()``
    (server shutdown) or the consumer stops iterating (client gone). Without ``follow``
    it ends after one poll: a catch-up for clients that did not ask for a live stream.

    Polls run on a worker thread (the database calls block); the waits do not.
    """
    yield f"retry: {retry_ms}\n\n"
    quiet_since = clock()
    while not should_stop():
        events = await run_poll(poller.poll)
        for event in events:
            yield event.encode()
        if events:
            quiet_since = clock()
        if not follow:
            return
        if clock() - quiet_since >= keepalive_seconds:
            yield KEEPALIVE
            quiet_since = clock()
        await sleep(poll_seconds)
