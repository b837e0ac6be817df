"""A short-lived in-process cache of token → caller.

Looking the token up costs a transaction per request, which is a large share of a cheap
request. Entries live ``ttl`` seconds, so a revoked token stops working within that time
on every process (the default is 10 s; 0 turns the cache off). Only successful lookups
are cached, keyed by the token's hash, so the cache never holds a token itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from dispatch.auth.service import Principal
from dispatch.auth.tokens import hash_token


class TokenCache:
    """Bounded LRU of recent successful authentications."""

    def __init__(self, ttl: float, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, token: str, load: Callable[[], Principal | None]) -> Principal | None:
        """The cached caller for ``token``, else ``load()`` (cached when it succeeds)."""
        principal = self.cached(token)
        if principal is None:
            principal = load()
            self.store(token, principal)
        return principal

    def cached(self, token: str) -> Principal | None:
        """The caller for ``token`` if a fresh entry holds it (no I/O: callers on an event
        loop ask this first and load off the loop only on a miss)."""
        if self.ttl <= 0:
            return None
        key = hash_token(token)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > self._clock():
                self._entries.move_to_end(key)
                return hit[1]
        return None

    def store(self, token: str, principal: Principal | None) -> None:
        """Remember a successful lookup for ``ttl`` seconds (failures are not kept)."""
        if principal is None or self.ttl <= 0:
            return
        key = hash_token(token)
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl, principal)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
