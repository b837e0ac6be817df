"""The database a process talks to: engine, session factory and units of work."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.db.engine import make_engine, make_session_factory
from dispatch.db.migrate import upgrade
from dispatch.db.uow import UnitOfWork
from dispatch.settings import Settings


class Database:
    """Owns the engine; hands out units of work to services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            make_engine(
                settings.database_url,
                echo=settings.database_echo,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
        )

    def uow(self) -> UnitOfWork:
        """A new, not yet entered, unit of work."""
        return UnitOfWork(self.sessions)

    def migrate(self) -> None:
        """Apply every pending migration on this database."""
        with self.engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()
