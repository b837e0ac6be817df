"""Read-only units of work on SQLite read a snapshot while a writer holds the lock."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.stock.models import Warehouse


def test_a_read_does_not_wait_for_a_writer(sqlite_database):
    """A writer in the middle of its transaction (BEGIN IMMEDIATE holds the write lock)
    does not block a read-only unit, which sees the last committed state."""
    with sqlite_database.uow() as writer:
        writer.db.add(Warehouse(code="W1", name="Writer's", lat=43.7, lon=7.4))
        writer.db.flush()  # the write lock is held from BEGIN IMMEDIATE until commit
        with sqlite_database.read_uow() as reader:
            assert reader.db.scalar(select(func.count()).select_from(Warehouse)) == 0
        writer.commit()
    with sqlite_database.read_uow() as reader:
        assert reader.db.scalar(select(func.count()).select_from(Warehouse)) == 1

