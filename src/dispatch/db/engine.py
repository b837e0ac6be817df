"""Engines and session factories for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE``: writers queue for the lock up front instead of failing half-way when
a read turns into a write. Within one process, writers first queue on a Python lock
(``WriterGate``): SQLite's own busy handler polls with sleeps of up to 100 ms, so threads
contending through it left the database idle much of the time under load. Sessions marked
``READ_ONLY`` start a plain ``BEGIN`` and read a snapshot alongside the writer. PostgreSQL runs at READ COMMITTED; correctness under
concurrency comes from conditional updates and row locks in the services.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# Every mapped table must be in the metadata before the first flush: ``StockMovement``
# has a foreign key to ``returns``, whose models nothing on the request path imports.
# Alembic's env.py imports the registry, so this only showed with
# DISPATCH_MIGRATE_ON_START=false: every stock movement then failed with
# NoReferencedTableError (a 500 on every order placement).
from dispatch.db import registry as _registry  # noqa: F401

SQLITE_BUSY_TIMEOUT_MS = 30_000

READ_ONLY = "dispatch_read_only"
"""Execution option marking sessions that never write (see ``Database.read_uow``)."""

_GATE_HELD = "dispatch_writer_gate_held"
_GATES: WeakKeyDictionary[Engine, WriterGate] = WeakKeyDictionary()
logger = logging.getLogger(__name__)


class WriterGate:
    """One SQLite writer at a time per engine, handed over in arrival order.

    Taken when a write transaction begins and given back when it commits or rolls back.
    Other processes on the same file still meet at SQLite's lock. If the gate is not
    free within the busy timeout (a transaction left open), the writer goes on to SQLite,
    which then reports the database locked exactly as it would without the gate.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()

    def enter(self, info: dict[str, Any]) -> None:
        if self._lock.acquire(timeout=self.timeout_seconds):
            info[_GATE_HELD] = True
        else:
            logger.warning("SQLite writer gate busy for %.0f s; going on to SQLite's lock",
                           self.timeout_seconds)

    @property
    def busy(self) -> bool:
        """Whether a write transaction of this process holds the gate now."""
        return self._lock.locked()

    @staticmethod
    def held(info: dict[str, Any]) -> bool:
        return bool(info.get(_GATE_HELD))

    def leave(self, info: dict[str, Any]) -> None:
        if info.pop(_GATE_HELD, False):
            self._lock.release()


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int = 20,
    connect_args: dict[str, Any] | None = None,
) -> Engine:
    """Create the engine for ``url`` with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args or {},
    )


def writer_gate(engine: Engine) -> WriterGate | None:
    """The SQLite engine's writer gate (None on other databases)."""
    return _GATES.get(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    gate = WriterGate(SQLITE_BUSY_TIMEOUT_MS / 1000)
    _GATES[engine] = gate

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (no deadlock on upgrade); read-only work
        # (``READ_ONLY``) reads a WAL snapshot without waiting for writers.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(connection.info)
            raise

    # These events fire before SQLAlchemy ends the transaction; ending it here first (the
    # driver's own call afterwards finds nothing open) hands the gate over only once
    # SQLite's lock is free.
    def _ending(how: str) -> Any:
        def end(connection: Any) -> None:
            if gate.held(connection.info):
                try:
                    getattr(connection.connection.dbapi_connection, how)()
                finally:
                    gate.leave(connection.info)
        return end

    event.listen(engine, "commit", _ending("commit"))
    event.listen(engine, "rollback", _ending("rollback"))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses read them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
