"""SQLite writers of one process queue on the writer gate, which every way a transaction
can end gives back, and which read-only units never take."""

from __future__ import annotations

import threading
from contextlib import nullcontext

import pytest
from sqlalchemy import func, select, text

from dispatch.db.engine import writer_gate
from dispatch.stock.models import Warehouse


def _count(database) -> int:
    with database.read_uow() as reader:
        return reader.db.scalar(select(func.count()).select_from(Warehouse))


def test_a_writer_holds_the_gate_until_it_commits(sqlite_database):
    gate = writer_gate(sqlite_database.engine)
    assert gate is not None and not gate.busy
    with sqlite_database.uow() as uow:
        uow.db.add(Warehouse(code="W1", name="One", lat=43.7, lon=7.4))
        uow.db.flush()
        assert gate.busy
        uow.commit()
        assert not gate.busy
    assert _count(sqlite_database) == 1


@pytest.mark.parametrize("ending", ["rollback", "exception", "no commit", "core connection"])
def test_every_ending_gives_the_gate_back(sqlite_database, ending):
    gate = writer_gate(sqlite_database.engine)
    if ending == "core connection":
        with sqlite_database.engine.connect() as conn:
            conn.execute(text("UPDATE warehouses SET name = 'none' WHERE id = -1"))
            assert gate.busy
    else:
        with pytest.raises(RuntimeError) if ending == "exception" else nullcontext():
            with sqlite_database.uow() as uow:
                uow.db.add(Warehouse(code="W2", name="Two", lat=43.7, lon=7.4))
                uow.db.flush()
                assert gate.busy
                if ending == "rollback":
                    uow.rollback()
                    assert not gate.busy
                elif ending == "exception":
                    raise RuntimeError("the request failed")
    assert not gate.busy
    assert _count(sqlite_database) == 0


def test_reads_do_not_take_the_gate(sqlite_database):
    gate = writer_gate(sqlite_database.engine)
    with sqlite_database.read_uow() as reader:
        reader.db.scalar(select(func.count()).select_from(Warehouse))
        assert not gate.busy


def test_concurrent_writers_all_land(sqlite_database):
    """Eight threads, twenty write transactions each: none fails, none is lost."""
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(20):
                with sqlite_database.uow() as uow:
                    uow.db.add(Warehouse(code=f"T{worker}-{i}", name="t", lat=43.7, lon=7.4))
                    uow.commit()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _count(sqlite_database) == 160
    assert not writer_gate(sqlite_database.engine).busy


def test_only_sqlite_has_a_gate(database):
    sqlite = database.engine.dialect.name == "sqlite"
    assert (writer_gate(database.engine) is not None) == sqlite
