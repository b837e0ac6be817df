"""A ping that moves a driver re-times their active route in the same transaction."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from dispatch.stoplists.models import DriverRoute
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.locations import PingIn, record_ping
from tests.support.world import CASINO, MONACO
from tests.tracking.test_eta import (
    LARVOTTO,
    SERVICE,
    assert_close,
    legs,
    make_route,
    stops_of,
)


@contextmanager
def statements(database):
    """Collect the SQL statements run on ``database`` inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def ping(database, world, where, at: datetime, now: datetime | None = None, **kwargs):
    cmd = PingIn(lat=where[0], lon=where[1], timestamp=at)
    return record_ping(database.uow(), world.drivers["ana"], cmd, now=now or at, **kwargs)


def eta_updated_at(database, route_id: int) -> datetime | None:
    with database.uow() as uow:
        return uow.db.get(DriverRoute, route_id).eta_updated_at


def test_a_ping_through_the_api_updates_the_etas(client, world, database):
    route_id, _ = make_route(database, world, points=(CASINO, LARVOTTO))
    at = datetime.now(UTC)
    body = {"lat": MONACO[0], "lon": MONACO[1], "timestamp": at.isoformat()}
    response = client.post("/drivers/me/location", json=body, headers=world.auth("driver"))
    assert response.status_code == 200, response.text
    refreshed = eta_updated_at(database, route_id)
    assert refreshed is not None and abs(refreshed - at) < timedelta(seconds=30)
    first, second = stops_of(database, route_id)
    assert_close(first.eta, refreshed + timedelta(seconds=legs(MONACO, CASINO)[0]))
    assert_close(second.eta, first.eta + timedelta(seconds=SERVICE + legs(CASINO, LARVOTTO)[0]))


def test_a_late_ping_does_not_refresh(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    now = datetime.now(UTC).replace(microsecond=0)
    ping(database, world, MONACO, now)
    assert eta_updated_at(database, route_id) == now
    late = ping(database, world, CASINO, now - timedelta(seconds=30),
                now=now + timedelta(seconds=5))
    assert late.current is False
    assert eta_updated_at(database, route_id) == now


def test_a_ping_without_an_active_route_does_no_eta_work(database, world):
    """One indexed look-up for a route, then nothing: no stops, orders or events read."""
    now = datetime.now(UTC)
    with statements(database) as seen:
        ping(database, world, MONACO, now)
    lowered = [s.lower() for s in seen]
    assert sum("driver_routes" in s for s in lowered) == 1
    assert not any(word in s for s in lowered
                   for word in ("route_stops", "orders", "outbox_events", "warehouses"))


def test_a_ping_on_a_route_runs_a_handful_of_statements(database, world):
    """Position, route, stops, order statuses, one batched UPDATE of the stops whose ETA
    moved and the route's timestamp: no statement per stop."""
    route_id, _ = make_route(database, world, points=(CASINO, LARVOTTO, CASINO, LARVOTTO))
    now = datetime.now(UTC).replace(microsecond=0)
    ping(database, world, MONACO, now)
    later = now + timedelta(minutes=1)  # stuck in traffic: every ETA moves a minute
    with statements(database) as seen:
        ping(database, world, MONACO, later)
    stop_updates = [s for s in seen if s.lstrip().lower().startswith("update route_stops")]
    assert len(stop_updates) == 1, seen
    assert len(seen) <= 10, seen
    assert eta_updated_at(database, route_id) == later


def test_the_ping_passes_its_eta_limits_on(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    ping(database, world, MONACO, datetime.now(UTC),
         eta_limits=EtaLimits(window_min=timedelta(minutes=9)))
    [stop] = stops_of(database, route_id)
    # 9 minutes, plus 5% of the 15-minute lead band before any error is measured.
    assert stop.eta_high - stop.eta == stop.eta - stop.eta_low == timedelta(minutes=9.75)


def test_only_the_pinging_drivers_route_is_refreshed(database, world):
    route_id, _ = make_route(database, world, points=(CASINO,))
    cmd = PingIn(lat=MONACO[0], lon=MONACO[1], timestamp=datetime.now(UTC))
    record_ping(database.uow(), world.drivers["bruno"], cmd)
    assert eta_updated_at(database, route_id) is None
    with database.uow() as uow:
        assert uow.db.scalar(select(func.count()).select_from(DriverRoute)) == 1
