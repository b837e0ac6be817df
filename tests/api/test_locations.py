"""Drivers report positions: impossible pings are refused by field, late ones kept aside."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from dispatch.tracking.models import DriverPing

CASINO = (43.7396, 7.4276)
NICE = (43.7102, 7.2620)  # 13.7 km from the Casino


def _ping(client, world, where=CASINO, at=None, who="driver", **extra):
    at = at or datetime.now(UTC)
    body = {"lat": where[0], "lon": where[1], "timestamp": at.isoformat(), **extra}
    return client.post("/drivers/me/location", json=body, headers=world.auth(who))


def _stored(database):
    with database.uow() as uow:
        return uow.db.scalar(select(func.count()).select_from(DriverPing))


def test_ping_moves_the_position_a_dispatcher_sees(client, world):
    """Ana pings at the Casino; the dispatcher reads that position for her."""
    response = _ping(client, world, speed=18.5, heading=90, accuracy=8)
    assert response.status_code == 200, response.text
    assert response.json()["current"] is True
    seen = client.get(f"/drivers/{world.drivers['ana']}/position",
                      headers=world.auth("dispatcher"))
    assert seen.status_code == 200
    assert (seen.json()["lat"], seen.json()["lon"]) == CASINO
    assert seen.json()["speed_kmh"] == 18.5


def test_late_ping_is_stored_but_does_not_move_back(client, world, database):
    """A ping older than the current position is kept, and the position stays newest."""
    now = datetime.now(UTC)
    assert _ping(client, world, CASINO, at=now).status_code == 200
    late = _ping(client, world, (43.7390, 7.4270), at=now - timedelta(minutes=1))
    assert late.status_code == 200, late.text
    assert late.json()["current"] is False
    assert late.json()["position"]["lat"] == CASINO[0]
    assert _stored(database) == 2


def test_impossible_pings_are_422_naming_the_field(client, world, database):
    """Out-of-range coordinates, a future timestamp and a 13.7 km jump in 60 s."""
    now = datetime.now(UTC)
    cases = [
        (dict(where=(91.0, 7.4)), "lat"),
        (dict(where=(43.7, 181.0)), "lon"),
        (dict(at=now + timedelta(minutes=5)), "timestamp"),
        (dict(heading=360), "heading"),
    ]
    for kwargs, field in cases:
        response = _ping(client, world, **kwargs)
        assert response.status_code == 422, (kwargs, response.text)
        assert response.json()["field"] == field
    assert _ping(client, world, CASINO, at=now - timedelta(seconds=60)).status_code == 200
    jump = _ping(client, world, NICE, at=now)
    assert jump.status_code == 422 and jump.json()["field"] == "lat"
    assert "km/h" in jump.json()["detail"]
    assert _stored(database) == 1


def test_naive_timestamp_is_422(client, world):
    """A timestamp without a UTC offset is refused."""
    body = {"lat": CASINO[0], "lon": CASINO[1], "timestamp": "2026-11-26T10:00:00"}
    response = client.post("/drivers/me/location", json=body, headers=world.auth("driver"))
    assert response.status_code == 422
    assert response.json()["field"] == "timestamp"


def test_pinging_too_fast_is_429_per_driver(client, world):
    """After a burst of 20, Ana is told to wait; Bruno is not affected."""
    codes = [_ping(client, world).status_code for _ in range(25)]
    assert codes[:20] == [200] * 20
    limited = _ping(client, world)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"
    assert _ping(client, world, who="other_driver").status_code == 200


def test_position_of_a_silent_driver_is_404(client, world):
    """Bruno never pinged: 404 naming driver_id."""
    response = client.get(f"/drivers/{world.drivers['bruno']}/position",
                          headers=world.auth("dispatcher"))
    assert response.status_code == 404
    assert response.json()["field"] == "driver_id"
