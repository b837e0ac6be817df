"""Waking dispatcher streams across processes when something they show has committed.

The stream reads what happened from the database (the outbox, driver positions), so any
process can serve any dispatcher. Between reads it waits ``stream_poll_seconds``. With a
Redis URL (``DISPATCH_PUBSUB_URL``), a commit that adds an outbox event or moves a driver
publishes a bare "look now" on one Redis channel, and every process's streams read at
once: latency no longer rides on the poll interval, while the database stays the record
(a lost message costs one poll interval, never an event).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from dispatch.events.models import OutboxEvent
from dispatch.tracking.models import DriverPosition

log = logging.getLogger(__name__)

CHANNEL = "dispatch:stream"
WATCHED = (OutboxEvent, DriverPosition)
WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)
_FLAG = "dispatch.stream_changed"


class StreamWakeups:
    """Publishes after commits that change what streams show; wakes this process's
    waiting streams when any process publishes."""

    def __init__(self, url: str, channel: str = CHANNEL, retry_seconds: float = 1.0) -> None:
        self.url = url
        self.channel = channel
        self.retry_seconds = retry_seconds
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error = 0.0

    # -- publishing ------------------------------------------------------------------
    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Publish after each commit of these sessions that wrote an outbox event or a
        driver position."""
        event.listen(sessions, "after_flush", _mark_changes)
        event.listen(sessions, "do_orm_execute", _mark_statement)
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_soft_rollback", _clear)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_FLAG, False):
            self.publish()

    def publish(self) -> None:
        try:
            self._client.publish(self.channel, b"1")
        except redis.RedisError as exc:
            self._warn(f"could not publish a stream wake-up ({exc}); streams fall back to polling")

    # -- subscribing -----------------------------------------------------------------
    def start(self) -> None:
        """Listen in a background thread (one connection per process, not per stream)."""
        self._thread = threading.Thread(target=self._listen, name="stream-wakeups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()

    def waiter(self) -> Waiter:
        return Waiter(self)

    def _register(self, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.add(item)

    def _unregister(self, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(item)

    def _wake_all(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, flag in waiters:
            try:
                loop.call_soon_threadsafe(flag.set)
            except RuntimeError:  # that stream's loop has closed
                self._unregister((loop, flag))

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=1.0) is not None:
                        self._wake_all()
            except redis.RedisError as exc:
                self._warn(f"stream wake-ups lost their Redis connection ({exc}); retrying")
                self._stop.wait(self.retry_seconds)
            finally:
                pubsub.close()

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_error > 60:  # once a minute, not once a commit
            self._last_error = now
            log.warning(message)


class Waiter:
    """One stream's wait: until a wake-up or the poll interval, whichever is first."""

    def __init__(self, wakeups: StreamWakeups) -> None:
        self._wakeups = wakeups
        self._item: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    async def wait(self, seconds: float) -> bool:
        """True when woken, False when the time ran out."""
        if self._item is None:
            self._item = (asyncio.get_running_loop(), asyncio.Event())
            self._wakeups._register(self._item)
        flag = self._item[1]
        try:
            await asyncio.wait_for(flag.wait(), timeout=seconds)
        except TimeoutError:
            return False
        finally:
            flag.clear()
        return True

    def close(self) -> None:
        if self._item is not None:
            self._wakeups._unregister(self._item)


def _mark_changes(session: Session, flush_context) -> None:
    if any(isinstance(obj, WATCHED) for obj in (*session.new, *session.dirty)):
        session.info[_FLAG] = True


def _mark_statement(state) -> None:
    """Bulk writes (``session.execute(insert(table), rows)``) bypass the flush."""
    if state.is_insert or state.is_update:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_FLAG] = True


def _clear(session: Session, previous_transaction) -> None:
    session.info.pop(_FLAG, None)
