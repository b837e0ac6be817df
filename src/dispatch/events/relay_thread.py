"""Running the relay in the background of an API process (or of ``dispatch relay``).

Ticks every ``relay_interval_seconds`` (at once again while batches come back full);
a failing pass is logged and the next tick tries again, so the relay never takes the
API down. ``stop`` wakes the thread and waits for the current pass to finish.
"""

from __future__ import annotations

import logging
import threading

from dispatch.db.database import Database
from dispatch.events.relay import relay_once
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class RelayThread:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Relay until stopped (the thread's body; ``dispatch relay`` calls it directly)."""
        while not self._stop.is_set():
            full = False
            try:
                counts = relay_once(self.database, self.settings)
                full = counts.events >= self.settings.relay_batch_size
            except Exception:  # logged, retried next tick: the relay must never crash the API
                log.exception("outbox relay pass failed")
            if not full:
                self._stop.wait(self.settings.relay_interval_seconds)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("outbox relay still busy after %.0f s; leaving it", timeout)
            self._thread = None
