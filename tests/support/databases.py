"""Real databases for tests: a migrated SQLite file per test, and the local PostgreSQL.

PostgreSQL tests use a schema of their own per test session (so parallel runs on one
server do not collide), migrated once and truncated between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.db.migrate import upgrade
from dispatch.db.registry import metadata

POSTGRES_URL = os.environ.get(
    "DISPATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_unavailable_reason() -> str | None:
    """None when the test PostgreSQL answers, else why not (shown as the skip reason)."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: no usable server
        return f"PostgreSQL at {POSTGRES_URL} unreachable ({type(exc).__name__}); see DEVELOPERS.md"
    return None


class SqliteTemplate:
    """Migrate once, copy the file for each test: fast and fully isolated."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        with engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
        engine.dispose()

    def fresh(self, directory: Path) -> Database:
        target = directory / "dispatch.db"
        shutil.copyfile(self.path, target)
        return Database(make_engine(f"sqlite:///{target}"))


class PostgresSchema:
    """A private schema on the test server, migrated once per session."""

    def __init__(self) -> None:
        self.schema = f"dispatch_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        admin.dispose()
        self.url = POSTGRES_URL
        self.connect_args = {"options": f"-csearch_path={self.schema}"}
        engine = self.engine()
        with engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
        engine.dispose()

    def engine(self, **kwargs):
        return make_engine(self.url, connect_args=self.connect_args, **kwargs)

    def fresh(self) -> Database:
        database = Database(self.engine(pool_size=20, max_overflow=40))
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return database

    def drop(self) -> None:
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()
