"""The anomaly model each process screens with, refitted from the order book now and
then: the model learns what ordinary orders look like here, and that drifts slowly.

Fitting replays the last 90 days (each order's features against the orders before it,
as the screening saw them) and takes about a second for ten thousand orders, so it is
done at most every ``refit_seconds`` per database; a shop with too little history gets
no model (the rules screen alone) until it has enough.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dispatch.fraud.anomaly import AnomalyModel, fit_or_none
from dispatch.fraud.history import HistoryIndex
from dispatch.fraud.records import LOOKBACK, all_orders_since
from dispatch.fraud.signals import Placement, ScreeningPolicy, features

log = logging.getLogger(__name__)
MAX_TRAINING_ORDERS = 20_000


def training_rows(db: Session, now: datetime, policy: ScreeningPolicy) -> np.ndarray:
    """Features of the recent orders, each against the orders before it."""
    orders = all_orders_since(db, now - LOOKBACK)[-MAX_TRAINING_ORDERS:]
    index, rows = HistoryIndex(LOOKBACK), []
    for order in orders:
        placement = Placement(order.at, order.customer_id, order.phone, order.address_key,
                              order.card_token, order.total_minor, 1, order.lat, order.lon)
        rows.append(features(placement, index.history_for(placement), policy))
        index.add(order)
    return np.array(rows) if rows else np.empty((0, 0))


class AnomalyModels:
    """One model per database, refitted at most every ``refit_seconds``."""

    def __init__(self, refit_seconds: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.refit_seconds = refit_seconds
        self.clock = clock
        self._entries: WeakKeyDictionary[Engine, tuple[float, AnomalyModel | None]] = (
            WeakKeyDictionary())
        self._lock = threading.Lock()

    def model(self, db: Session, now: datetime, policy: ScreeningPolicy) -> AnomalyModel | None:
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with self._lock:
            cached = self._entries.get(engine)
        if cached is not None and self.clock() - cached[0] < self.refit_seconds:
            return cached[1]
        rows = training_rows(db, now, policy)
        model = fit_or_none(rows) if len(rows) else None
        log.info("anomaly model %s on %d orders", "fitted" if model else "not fitted", len(rows))
        with self._lock:
            self._entries[engine] = (self.clock(), model)
        return model


MODELS = AnomalyModels()
"""The process-wide cache placement screens with unless given another."""
