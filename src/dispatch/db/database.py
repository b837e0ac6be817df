"""The database a process talks to: engine, session factory and units of work."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dispatch.db.engine import READ_ONLY, make_engine, make_session_factory
from dispatch.db.migrate import upgrade
from dispatch.db.uow import UnitOfWork
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.events.wakeups import StreamWakeups

log = logging.getLogger(__name__)


class Database:
    """Owns the engine; hands out units of work to services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.wakeups: StreamWakeups | None = None
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.read_sessions: sessionmaker[Session] = make_session_factory(
            engine.execution_options(**{READ_ONLY: True}))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database of ``settings``; with a pub/sub URL, its commits that add events or
        move drivers wake the event streams of every process."""
        database = cls(
            make_engine(
                settings.database_url,
                echo=settings.database_echo,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
        )
        if settings.pubsub_url:
            from dispatch.events.wakeups import StreamWakeups

            database.wakeups = StreamWakeups(settings.pubsub_url)
            database.wakeups.watch(database.sessions)
        return database

    def uow(self) -> UnitOfWork:
        """A new, not yet entered, unit of work."""
        return UnitOfWork(self.sessions)

    def read_uow(self) -> UnitOfWork:
        """A unit of work for reads only: on SQLite it does not take the write lock, so
        hot read paths (tracking links) never queue behind writers."""
        return UnitOfWork(self.read_sessions)

    def reachable(self) -> bool:
        """Whether a trivial read succeeds now (readiness probes); the reason is logged."""
        try:
            with self.read_uow() as uow:
                uow.db.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("database not reachable: %s", exc)
            return False
        return True

    def migrate(self) -> None:
        """Apply every pending migration on this database."""
        with self.engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()

    def dispose(self) -> None:
        if self.wakeups is not None:
            self.wakeups.stop()
        self.engine.dispose()
