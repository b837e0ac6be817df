"""Measured ETA errors per warehouse, cached: they shape the ETA windows of every ping.

Reading them on every ping would cost a query per ping, and they change slowly, so each
process keeps a profile per warehouse for a minute (``ErrorProfiles``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta_windows import ErrorProfile, ErrorSample, WindowPolicy, error_profile


def recent_error_samples(db: Session, warehouse_id: int, limit: int) -> list[ErrorSample]:
    """The ``limit`` most recent measured ETA errors of routes from ``warehouse_id``."""
    rows = db.execute(
        select(RouteStop.eta_error_seconds, RouteStop.eta_lead_seconds)
        .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .where(DriverRoute.warehouse_id == warehouse_id,
               RouteStop.eta_error_seconds.is_not(None),
               RouteStop.eta_lead_seconds.is_not(None))
        .order_by(RouteStop.arrived_at.desc().nulls_last(), RouteStop.id.desc())
        .limit(limit)
    ).all()
    return [ErrorSample(error, lead) for error, lead in rows]


class ErrorProfiles:
    """Error profiles per database and warehouse, recomputed at most every ``ttl_seconds``.

    Measured errors change slowly, and reading them on every ping would cost a query per
    ping; per-process staleness of a minute is harmless. Keyed weakly by engine, so a
    database that goes away (tests) takes its entries with it.
    """

    def __init__(self, ttl_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._entries: WeakKeyDictionary[Engine, dict[Any, tuple[float, ErrorProfile]]] = (
            WeakKeyDictionary())
        self._lock = threading.Lock()

    def profile(self, db: Session, warehouse_id: int, policy: WindowPolicy,
                samples: int) -> ErrorProfile:
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        key = (warehouse_id, policy, samples)
        now = self.clock()
        with self._lock:
            cached = self._entries.get(engine, {}).get(key)
        if cached is not None and now - cached[0] < self.ttl_seconds:
            return cached[1]
        profile = error_profile(recent_error_samples(db, warehouse_id, samples), policy)
        with self._lock:
            self._entries.setdefault(engine, {})[key] = (now, profile)
        return profile

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PROFILES = ErrorProfiles()
"""The process-wide cache ``refresh_route`` uses unless given another."""
