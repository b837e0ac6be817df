"""Running the wave scheduler in the background of an API process.

Ticks every ``wave_scheduler_interval_seconds``; while an automatic wave is being solved it
looks again every ``FOLLOW_UP_SECONDS``, so a done wave is committed promptly. A failing
pass is logged and the next tick tries again, so the scheduler never takes the API down.
``stop`` wakes the thread and waits for the current pass to finish.
"""

from __future__ import annotations

import logging
import threading

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.planning import waves
from dispatch.settings import Settings

log = logging.getLogger(__name__)

FOLLOW_UP_SECONDS = 1.0


class WaveScheduler:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0
        """Passes run so far, failed ones included (for tests and diagnostics)."""

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="wave-scheduler", daemon=True)
        self._thread.start()

    def run_once(self) -> bool:
        """One pass; True when an automatic wave is still in flight."""
        try:
            started = waves.run_due_waves(self.database, self.settings, now=utcnow())
            return bool(started) or waves.wave_plans_in_flight(self.database)
        except Exception:  # logged, retried next tick: the scheduler must never crash the API
            log.exception("wave scheduler pass failed")
            return False
        finally:
            self.passes += 1

    def run(self) -> None:
        """Schedule until stopped (the thread's body)."""
        interval = self.settings.wave_scheduler_interval_seconds
        while not self._stop.is_set():
            busy = self.run_once()
            self._stop.wait(min(FOLLOW_UP_SECONDS, interval) if busy else interval)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("wave scheduler still busy after %.0f s; leaving it", timeout)
            self._thread = None
