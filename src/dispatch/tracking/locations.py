"""Recording driver pings: validate, store every ping, advance the current position.

The driver's current-position row is locked while a ping is checked against it, so two
pings from one driver are judged one after the other (the impossible-speed rule needs
the position before). A late ping is stored but leaves the position where it is. A ping
that moves the position re-times the driver's active route in the same transaction, so
the tracking link shows the new ETA as soon as the ping is acknowledged.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import bindparam, insert, select, update

from dispatch.common.schemas import Command, ReadModel, UtcDatetime
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.tracking.eta import EtaLimits, refresh_driver
from dispatch.tracking.models import DriverPing, DriverPosition
from dispatch.tracking.pings import Ping, PingLimits, check_ping, newest


class PingIn(Command):
    """One position report; ranges are checked by the rules so errors name the field."""

    lat: float
    lon: float
    timestamp: UtcDatetime
    speed: float | None = Field(None, description="km/h")
    heading: float | None = Field(None, description="degrees clockwise from north, [0, 360)")
    accuracy: float | None = Field(None, description="metres")


class PositionRead(ReadModel):
    driver_id: int
    lat: float
    lon: float
    recorded_at: datetime
    speed_kmh: float | None
    heading_deg: float | None
    accuracy_m: float | None


class PingResult(ReadModel):
    stored: bool
    current: bool = Field(description="false when the ping was older than the position")
    position: PositionRead


_POSITIONS = DriverPosition.__table__
_PINGS = DriverPing.__table__
_POSITION_COLUMNS = ("lat", "lon", "recorded_at", "speed_kmh", "heading_deg", "accuracy_m")
_LOCKED_POSITION = (
    select(*(_POSITIONS.c[name] for name in _POSITION_COLUMNS))
    .where(_POSITIONS.c.driver_id == bindparam("driver_id")).with_for_update()
)


def _values(ping: Ping) -> dict[str, object]:
    return {"lat": ping.lat, "lon": ping.lon, "recorded_at": ping.at, "speed_kmh": ping.speed_kmh,
            "heading_deg": ping.heading_deg, "accuracy_m": ping.accuracy_m}


def record_ping(uow: UnitOfWork, driver_id: int, cmd: PingIn, *,
                limits: PingLimits | None = None, now: datetime | None = None,
                eta_limits: EtaLimits | None = None) -> PingResult:
    """Store the ping (422 naming the field when it is impossible), move the position and
    refresh the ETAs of the driver's active route (``eta_limits``: settings defaults).

    The hottest write path of the service, so it speaks SQL directly (no ORM objects):
    one locked read of the position, one insert, one insert-or-update."""
    ping = Ping(cmd.lat, cmd.lon, cmd.timestamp, cmd.speed, cmd.heading, cmd.accuracy)
    limits = limits or PingLimits()
    now = now or utcnow()
    with uow:
        db = uow.db
        row = db.execute(_LOCKED_POSITION, {"driver_id": driver_id}).first()
        previous = Ping(*row) if row is not None else None
        check_ping(ping, now=now, previous=previous, limits=limits)
        db.execute(insert(_PINGS), {"driver_id": driver_id, "received_at": now, **_values(ping)})
        current = newest(previous, ping) is ping
        if current:
            statement = (insert(_POSITIONS) if row is None else
                         update(_POSITIONS).where(_POSITIONS.c.driver_id == driver_id))
            db.execute(statement, {"driver_id": driver_id, **_values(ping)} if row is None
                       else _values(ping))
            refresh_driver(db, driver_id, now=now, limits=eta_limits)
        shown = ping if current else previous
        result = PingResult(stored=True, current=current, position=PositionRead(
            driver_id=driver_id, **_values(shown)))
        uow.commit()
        return result


def current_position(uow: UnitOfWork, driver_id: int) -> PositionRead:
    """Where the driver last was; 404 when they never reported."""
    with uow:
        position = uow.db.get(DriverPosition, driver_id)
        if position is None:
            raise NotFound(f"driver {driver_id} has not reported a position",
                           field="driver_id")
        return PositionRead.model_validate(position)
