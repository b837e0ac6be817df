"""The simulated clock: services stamp a simulated day with its own times, only inside
the block and only in the simulating thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from dispatch.common import clock
from dispatch.db.base import utcnow
from dispatch.tracking.locations import PingIn, record_ping
from dispatch.tracking.models import DriverPing
from tests.support.world import MONACO

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_real_time_outside_a_simulation():
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)


def test_inside_the_block_now_is_the_simulated_time_in_utc():
    paris = timezone(timedelta(hours=1))
    with clock.simulated(lambda: NOON.astimezone(paris)):
        assert utcnow() == NOON and utcnow().tzinfo == UTC
        with clock.simulated(lambda: NOON + timedelta(hours=1)):
            assert utcnow() == NOON + timedelta(hours=1)
        assert utcnow() == NOON
    assert utcnow() > NOON + timedelta(days=30)


def test_a_naive_simulated_time_is_refused():
    with clock.simulated(lambda: datetime(2026, 3, 2, 12, 0)):
        with pytest.raises(ValueError, match="timezone-aware"):
            utcnow()


def test_other_threads_keep_real_time():
    seen = []
    with clock.simulated(lambda: NOON):
        thread = threading.Thread(target=lambda: seen.append(utcnow()))
        thread.start()
        thread.join()
    assert seen[0] > NOON + timedelta(days=30)


def test_services_stamp_what_they_write_with_the_simulated_time(database, world):
    with clock.simulated(lambda: NOON):
        record_ping(database.uow(), world.drivers["ana"],
                    PingIn(lat=MONACO[0], lon=MONACO[1], timestamp=NOON - timedelta(seconds=5)))
    with database.uow() as uow:
        assert uow.db.query(DriverPing).one().received_at == NOON
