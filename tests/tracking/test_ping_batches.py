"""Pings written in batches: same outcomes as one transaction each, a few statements for
the lot, and a writer thread that answers each ping only after its batch commits."""

from __future__ import annotations

from concurrent.futures import CancelledError
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.errors import Invalid
from dispatch.tracking import ping_writer
from dispatch.tracking.locations import PingIn, PingRequest, record_pings
from dispatch.tracking.models import DriverPing, DriverPosition
from dispatch.tracking.ping_writer import PingWriter, PingWriterStopped
from dispatch.tracking.pings import PingLimits
from tests.support.world import CASINO, MONACO, NICE
from tests.tracking.test_eta import LARVOTTO, make_route, stops_of
from tests.tracking.test_eta_pings import eta_updated_at, statements

NOW = datetime.now(UTC).replace(microsecond=0)


def request(world, who: str, where, at: datetime, received: datetime | None = None):
    return PingRequest(world.drivers[who], PingIn(lat=where[0], lon=where[1], timestamp=at),
                       received or at)


def write(database, requests):
    with database.uow() as uow:
        outcomes = record_pings(uow.db, requests, limits=PingLimits(), eta_limits=None)
        uow.commit()
    return outcomes


def position(database, driver_id: int):
    with database.uow() as uow:
        row = uow.db.get(DriverPosition, driver_id)
        return (row.lat, row.lon, row.recorded_at) if row else None


def stored_pings(database) -> int:
    with database.uow() as uow:
        return uow.db.scalar(select(func.count()).select_from(DriverPing))


def test_pings_of_one_driver_in_a_batch_are_judged_one_after_the_other(database, world):
    """Monaco, then Nice 10 s later (a 13 km jump: refused against the Monaco ping, not
    against the empty position before the batch), then a late ping: stored, not current."""
    outcomes = write(database, [
        request(world, "ana", MONACO, NOW),
        request(world, "ana", NICE, NOW + timedelta(seconds=10)),
        request(world, "ana", CASINO, NOW - timedelta(seconds=30), NOW + timedelta(seconds=11)),
    ])
    first, jump, late = outcomes
    assert first.current is True
    assert isinstance(jump, Invalid) and "km/h" in str(jump)
    assert late.stored is True and late.current is False
    assert (late.position.lat, late.position.lon) == MONACO
    assert position(database, world.drivers["ana"])[:2] == MONACO
    assert stored_pings(database) == 2


def test_a_batch_refreshes_each_route_once_from_the_newest_position(database, world):
    route_id, _ = make_route(database, world, points=(CASINO, LARVOTTO))
    later = NOW + timedelta(seconds=20)
    write(database, [request(world, "ana", MONACO, NOW)])
    with statements(database) as seen:
        write(database, [request(world, "ana", MONACO, later),
                         request(world, "bruno", MONACO, later),
                         request(world, "ana", CASINO, later + timedelta(seconds=300))])
    assert eta_updated_at(database, route_id) == later + timedelta(seconds=300)
    first, _ = stops_of(database, route_id)
    assert first.eta == later + timedelta(seconds=300)  # standing at the first stop
    lowered = [s.lower() for s in seen]
    assert sum(s.lstrip().startswith("insert into driver_pings") for s in lowered) == 1
    assert sum("from driver_routes" in s for s in lowered) == 1
    # BEGIN, 3 for the pings and positions (+1 new), 4 for ETAs, 1 for the ETA snapshots
    # (due: the last were kept 5 minutes before), 1 for the error profile (re-read: the
    # data clock moved 5 minutes since it was read).
    assert sum(s.lstrip().startswith("insert into eta_snapshots") for s in lowered) == 1
    assert sum("eta_error_seconds is not null" in s for s in lowered) == 1
    assert len(seen) <= 11, seen


@pytest.fixture
def writer(database):
    made = PingWriter(database, max_batch=50)
    yield made
    made.stop()


def test_the_writer_commits_waiting_pings_together_and_answers_each(database, world, writer):
    """Pings queued while the writer is busy (here: before it starts) share a batch."""
    futures = [writer.submit(world.drivers["ana"], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                          timestamp=NOW)),
               writer.submit(world.drivers["bruno"], PingIn(lat=NICE[0], lon=NICE[1],
                                                            timestamp=NOW)),
               writer.submit(world.drivers["ana"], PingIn(lat=NICE[0], lon=NICE[1],
                                                          timestamp=NOW + timedelta(seconds=5)))]
    writer.start()
    results = [f.exception(timeout=10) or f.result() for f in futures]
    assert results[0].current and results[1].current
    assert isinstance(results[2], Invalid)  # 13 km in 5 s, judged against the first
    assert (writer.batches, writer.pings) == (1, 3)
    assert position(database, world.drivers["bruno"])[:2] == NICE


def test_a_failed_batch_is_retried_one_ping_at_a_time(database, world, writer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("lost the connection")

    monkeypatch.setattr(ping_writer, "record_pings", broken)
    futures = [writer.submit(world.drivers[who], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                        timestamp=NOW))
               for who in ("ana", "bruno")]
    writer.start()
    assert all(f.result(timeout=10).current for f in futures)
    assert writer.batches == 0 and stored_pings(database) == 2


def test_a_cancelled_ping_is_not_written(database, world, writer):
    kept = writer.submit(world.drivers["ana"], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                      timestamp=NOW))
    dropped = writer.submit(world.drivers["bruno"], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                           timestamp=NOW))
    assert dropped.cancel()
    writer.start()
    assert kept.result(timeout=10).current
    with pytest.raises(CancelledError):
        dropped.result()
    writer.stop()
    assert stored_pings(database) == 1


def test_stopping_writes_what_is_queued_then_refuses(database, world, writer):
    writer.start()
    future = writer.submit(world.drivers["ana"], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                        timestamp=NOW))
    writer.stop()
    assert future.result(timeout=1).stored
    with pytest.raises(PingWriterStopped):
        writer.submit(world.drivers["ana"], PingIn(lat=MONACO[0], lon=MONACO[1],
                                                   timestamp=NOW))
