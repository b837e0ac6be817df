"""Measured ETA errors per warehouse, cached: they shape the ETA windows of every ping,
and their systematic part (bias by lead) can be taken out of the ETAs.

Windows come from the error of the last ETA before each arrival; biases from every ETA
kept in ``eta_snapshots`` (by how far ahead it was made), since an ETA shown half an hour
ahead errs differently from one shown a minute ahead. Reading them on every ping would
cost queries per ping, and they change slowly, so each process keeps a profile per
warehouse for a minute of wall time and of data time (``ErrorProfiles``): the simulator
runs a day in seconds and still sees its profiles move.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta_windows import (
    ErrorProfile,
    ErrorSample,
    WindowPolicy,
    band_biases,
    error_profile,
)
from dispatch.tracking.models import EtaSnapshot

BIAS_SAMPLES_PER_WINDOW = 4
"""Snapshots read per arrival sample: each stop is kept several times before it is reached."""


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


def recent_snapshot_errors(db: Session, warehouse_id: int, limit: int) -> list[ErrorSample]:
    """Errors of the ``limit`` most recent ETAs kept for stops since reached: when service
    began (arrival, or the window's start) minus the ETA, and how long before that."""
    rows = db.execute(
        select(EtaSnapshot.eta, EtaSnapshot.made_at, RouteStop.arrived_at,
               RouteStop.window_start)
        .join(RouteStop, RouteStop.id == EtaSnapshot.stop_id)
        .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .where(DriverRoute.warehouse_id == warehouse_id, RouteStop.arrived_at.is_not(None))
        .order_by(EtaSnapshot.made_at.desc(), EtaSnapshot.id.desc())
        .limit(limit)
    ).all()
    return [sample for row in rows if (sample := snapshot_error(*row)) is not None]


def snapshot_error(eta: datetime, made_at: datetime, arrived: datetime,
                   window_start: datetime) -> ErrorSample | None:
    """How wrong an ETA kept at ``made_at`` was: service began (the arrival, or the
    window's start) minus the ETA, and how long before service it was made; None for a
    snapshot taken after service began."""
    began = max(arrived, window_start)
    if made_at > began:
        return None
    return ErrorSample((began - eta).total_seconds(), (began - made_at).total_seconds())


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
        self._entries: WeakKeyDictionary[
            Engine, dict[Any, tuple[float, datetime | None, ErrorProfile]]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def profile(self, db: Session, warehouse_id: int, policy: WindowPolicy,
                samples: int, *, at: datetime | None = None,
                biases: bool = False) -> ErrorProfile:
        """The warehouse's profile as of data time ``at`` (for the TTL), with biases
        measured when ``biases`` (one more query per refresh)."""
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        key = (warehouse_id, policy, samples, biases)
        now = self.clock()
        with self._lock:
            cached = self._entries.get(engine, {}).get(key)
        if cached is not None and now - cached[0] < self.ttl_seconds and (
                at is None or cached[1] is None
                or abs((at - cached[1]).total_seconds()) < self.ttl_seconds):
            return cached[2]
        profile = error_profile(recent_error_samples(db, warehouse_id, samples), policy)
        if biases:
            measured = recent_snapshot_errors(db, warehouse_id, samples * BIAS_SAMPLES_PER_WINDOW)
            profile = replace(profile, biases=band_biases(measured, policy))
        with self._lock:
            self._entries.setdefault(engine, {})[key] = (now, at, profile)
        return profile

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PROFILES = ErrorProfiles()
"""The process-wide cache ``refresh_route`` uses unless given another."""
