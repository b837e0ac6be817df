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


def _ping_of(position: DriverPosition) -> Ping:
    return Ping(position.lat, position.lon, position.recorded_at, position.speed_kmh,
                position.heading_deg, position.accuracy_m)


def record_ping(uow: UnitOfWork, driver_id: int, cmd: PingIn, *,
                limits: PingLimits | None = None, now: datetime | None = None,
                eta_limits: EtaLimits | None = None) -> PingResult:
    """Store the ping (422 naming the field when it is impossible), move the position and
    refresh the ETAs of the driver's active route (``eta_limits``: settings defaults)."""
    ping = Ping(cmd.lat, cmd.lon, cmd.timestamp, cmd.speed, cmd.heading, cmd.accuracy)
    limits = limits or PingLimits()
    now = now or utcnow()
    with uow:
        db = uow.db
        position = db.get(DriverPosition, driver_id, with_for_update=True)
        previous = _ping_of(position) if position is not None else None
        check_ping(ping, now=now, previous=previous, limits=limits)
        db.add(DriverPing(driver_id=driver_id, lat=ping.lat, lon=ping.lon, recorded_at=ping.at,
                          received_at=now, speed_kmh=ping.speed_kmh,
                          heading_deg=ping.heading_deg, accuracy_m=ping.accuracy_m))
        current = newest(previous, ping) is ping
        if current:
            if position is None:
                position = DriverPosition(driver_id=driver_id)
                db.add(position)
            position.lat, position.lon, position.recorded_at = ping.lat, ping.lon, ping.at
            position.speed_kmh, position.heading_deg = ping.speed_kmh, ping.heading_deg
            position.accuracy_m = ping.accuracy_m
            refresh_driver(db, driver_id, now=now, limits=eta_limits)
        db.flush()
        result = PingResult(stored=True, current=current,
                            position=PositionRead.model_validate(position))
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
