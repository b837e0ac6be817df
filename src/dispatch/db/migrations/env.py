"""Alembic environment: runs migrations on a given connection or on the configured URL.

On PostgreSQL an advisory lock serialises concurrent upgrades, so several API processes
starting together migrate once.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from dispatch.db.engine import make_engine
from dispatch.db.registry import metadata

MIGRATION_LOCK_ID = 7_341_002

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `dispatch db upgrade`")
run_migrations_online()
