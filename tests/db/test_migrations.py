"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from dispatch.db.engine import make_engine
from dispatch.db.migrate import MIGRATIONS_DIR, alembic_config, current_revision, downgrade, upgrade
from dispatch.db.registry import metadata

HEAD = "0009"


def _differences(connection):
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return compare_metadata(context, metadata)


def test_there_is_one_head():
    """There is a single head, 0004, in the migrations directory."""
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD]
    assert MIGRATIONS_DIR.is_dir()


def test_migrated_schema_matches_the_models(database):
    """Autogenerate finds nothing to change between the migrated database and the models."""
    with database.engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert _differences(conn) == []
        tables = set(inspect(conn).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables


def test_sqlite_downgrade_to_base_and_upgrade_again(tmp_path):
    """On a fresh SQLite file: upgrade, downgrade to base (only alembic_version left), upgrade."""
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    engine = make_engine(url)
    try:
        upgrade(url)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
            assert "stock_levels" in inspect(conn).get_table_names()

        downgrade(url, revision="base")
        with engine.connect() as conn:
            assert current_revision(conn) is None
            assert inspect(conn).get_table_names() == ["alembic_version"]

        upgrade(url)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
            assert _differences(conn) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_database):
    """Every SQLite connection is in write-ahead-log mode with foreign keys enforced."""
    with sqlite_database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def test_tracking_token_migration_backfills_existing_orders(tmp_path):
    """Orders placed before 0002 each get a distinct 32-character tracking token."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision="0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO warehouses (code, name, lat, lon, created_at) "
                          "VALUES ('MC', 'Monaco', 43.73, 7.42, '2026-11-01 08:00:00')"))
        conn.execute(text("INSERT INTO customers (name, email, created_at) "
                          "VALUES ('Marie', 'marie@example.com', '2026-11-01 08:00:00')"))
        for i in range(3):
            conn.execute(text(
                "INSERT INTO orders (customer_id, warehouse_id, status, priority, lat, lon, "
                "window_start, window_end, payment_method, currency, subtotal_minor, "
                "delivery_fee_minor, total_minor, delivery_attempts, created_at, updated_at, "
                "version) VALUES (1, 1, 'delivered', 0, 43.74, 7.43, '2026-11-01 10:00:00', "
                f"'2026-11-01 11:00:00', 'cash_on_delivery', 'EUR', {i}, 0, {i}, 1, "
                "'2026-11-01 08:00:00', '2026-11-01 08:00:00', 1)"))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        tokens = [row[0] for row in conn.execute(text("SELECT tracking_token FROM orders"))]
    engine.dispose()
    assert len(tokens) == 3 and len(set(tokens)) == 3
    assert all(len(token) == 32 for token in tokens)
