"""Engines and session factories for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE``: writers queue for the lock up front instead of failing half-way when
a read turns into a write. Sessions marked ``READ_ONLY`` start a plain ``BEGIN`` and read
a snapshot alongside the writer. PostgreSQL runs at READ COMMITTED; correctness under
concurrency comes from conditional updates and row locks in the services.
"""

from __future__ import annotations

from typing import Any

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

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (no deadlock on upgrade); read-only work
        # (``READ_ONLY``) reads a WAL snapshot without waiting for writers.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses read them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
