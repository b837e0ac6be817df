"""Group commit for driver pings: many pings, one transaction, each answered after it.

At hundreds of pings a second, a transaction per ping costs more in beginning,
committing and (on SQLite) queueing for the single writer lock than the ping's own work.
``PingWriter`` runs one thread that takes every ping waiting, applies them in one
transaction and answers each only once that transaction is committed, so an
acknowledged ping is stored. A lone ping is written at once: batches form only when
pings arrive faster than they are written, which is when batching pays.

Rows are locked in driver order, the same in every process, so two processes' batches
never deadlock each other. A ping the rules refuse (``check_ping``) is refused alone,
before anything of it is written.
Any other failure rolls the batch back and its pings are retried one transaction each,
so one bad ping cannot fail its neighbours.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.locations import (
    PingIn,
    PingRequest,
    PingResult,
    record_ping,
    record_pings,
)
from dispatch.tracking.pings import PingLimits

log = logging.getLogger(__name__)


@dataclass
class _Job:
    driver_id: int
    cmd: PingIn
    received_at: datetime
    future: Future[PingResult] = field(default_factory=Future)


_STOP = object()


class PingWriterStopped(RuntimeError):
    """A ping arrived while the writer is shut down (the process is stopping)."""


class PingWriter:
    """One writer thread per process; ``submit`` from any thread or event loop."""

    def __init__(self, database: Database, *, limits: PingLimits | None = None,
                 eta_limits: EtaLimits | None = None, max_batch: int = 200) -> None:
        self.database = database
        self.limits = limits or PingLimits()
        self.eta_limits = eta_limits
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._accepting = True  # pings queued before ``start`` are written once it runs
        self.batches = 0  # counters for logs and tests
        self.pings = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ping-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        self._accepting = False
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, driver_id: int, cmd: PingIn, *,
               received_at: datetime | None = None) -> Future[PingResult]:
        """Queue a ping; the future holds its result (or the rule it broke) once the
        batch it rode in is committed."""
        if not self._accepting:
            raise PingWriterStopped("the ping writer is not running")
        job = _Job(driver_id, cmd, received_at or utcnow())
        self._queue.put(job)
        return job.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stopping = [first], False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            # A client that gave up (cancelled future) is skipped; the rest can no
            # longer be cancelled, so their results always land.
            live = [job for job in batch if job.future.set_running_or_notify_cancel()]
            try:
                self._write(live)
            except BaseException as exc:  # never leave a caller waiting forever
                log.exception("ping batch failed")
                for job in live:
                    if not job.future.done():
                        job.future.set_exception(exc)
            if stopping:
                return

    def _write(self, batch: list[_Job]) -> None:
        if not batch:
            return
        requests = [PingRequest(job.driver_id, job.cmd, job.received_at) for job in batch]
        try:
            with self.database.uow() as uow:
                outcomes = record_pings(uow.db, requests, limits=self.limits,
                                        eta_limits=self.eta_limits)
                uow.commit()
        except Exception:
            log.warning("ping batch of %d rolled back; writing its pings one by one",
                        len(batch), exc_info=True)
            for job in batch:
                self._write_alone(job)
            return
        self.batches += 1
        self.pings += len(batch)
        for job, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)

    def _write_alone(self, job: _Job) -> None:
        try:
            result = record_ping(self.database.uow(), job.driver_id, job.cmd,
                                 limits=self.limits, now=job.received_at,
                                 eta_limits=self.eta_limits)
        except Exception as exc:
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)
