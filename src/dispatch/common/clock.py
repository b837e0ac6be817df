"""The service's idea of now: the real time, or a simulated clock the day simulator sets.

Every timestamp the services write comes from ``dispatch.db.base.utcnow``, which reads
it here. ``simulated(clock)`` makes this thread's calls (and its context's: the value is
a context variable) answer from ``clock`` instead, so a simulated day is stamped with
its own times without a single service having to pass ``now`` around. Background
threads never inherit it: they keep real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("dispatch_clock", default=None)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    clock = _clock.get()
    if clock is None:
        return datetime.now(UTC)
    at = clock()
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a simulated clock must give timezone-aware times")
    return at.astimezone(UTC)


@contextmanager
def simulated(clock: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, ``now()`` answers ``clock()`` in this context."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)
