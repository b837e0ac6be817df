"""Retry timing shared by webhook deliveries and notifications: exponential with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

JITTER = 0.25
"""Up to 25 % is added to every delay, so receivers that failed together (an outage)
are not all retried in the same second; the delay still at least doubles each time."""

MAX_DELAY_SECONDS = 24 * 3600
"""No wait is longer than a day (before jitter), however many attempts failed."""

Jitter = Callable[[], float]
"""Returns a number in [0, 1); ``random.random`` in service, a constant in tests."""


def retry_delay(attempts: int, base_seconds: float, jitter: Jitter = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1, 2, ...):
    ``base * 2**(attempts - 1)``, plus up to ``JITTER`` of that, at most a day."""
    exponent = min(max(attempts, 1) - 1, 40)  # 2**40 seconds is far beyond the cap already
    delay = min(base_seconds * 2**exponent, MAX_DELAY_SECONDS)
    return timedelta(seconds=delay * (1 + JITTER * jitter()))


def next_attempt_at(attempts: int, max_attempts: int, base_seconds: float, now: datetime,
                    jitter: Jitter = random.random) -> datetime | None:
    """After the ``attempts``-th failure: when to try again, or None once the attempts are
    spent (the caller dead-letters). One rule for webhooks and notifications alike."""
    if attempts >= max_attempts:
        return None
    return now + retry_delay(attempts, base_seconds, jitter)
