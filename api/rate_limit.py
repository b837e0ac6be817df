"""A per-key token bucket, in process (the scale-out issue moves it to Redis)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from dispatch.errors import DomainError


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    code = "rate_limited"


class RateLimiter:
    """``rate_per_minute`` requests per key, with bursts up to ``burst``."""

    def __init__(self, rate_per_minute: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: object) -> None:
        """Take one token for ``key`` or raise 429 saying when to retry."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate if self.rate > 0 else 60.0
                raise TooManyRequests(f"too many requests; retry in {wait:.1f} s",
                                      retry_after_seconds=round(wait, 1))
            self._buckets[key] = (tokens - 1.0, now)
