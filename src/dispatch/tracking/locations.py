"""Recording driver pings: validate, store every ping, advance the current position.

The driver's current-position row is locked while a ping is checked against it, so two
pings from one driver are judged one after the other (the impossible-speed rule needs
the position before). A late ping is stored but leaves the position where it is. A ping
that moves the position re-times the driver's active route in the same transaction, so
the tracking link shows the new ETA as soon as the ping is acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from dispatch.common.schemas import Command, ReadModel, UtcDatetime
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import DomainError, NotFound
from dispatch.routing import GeoPoint
from dispatch.tracking.eta import EtaLimits, refresh_drivers
from dispatch.tracking.eta_rows import Position
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
_LOCKED_POSITIONS = (
    select(_POSITIONS.c.driver_id, *(_POSITIONS.c[name] for name in _POSITION_COLUMNS))
    .where(_POSITIONS.c.driver_id.in_(bindparam("driver_ids", expanding=True)))
    .order_by(_POSITIONS.c.driver_id).with_for_update()
)
_UPDATE_POSITION = (update(_POSITIONS).where(_POSITIONS.c.driver_id == bindparam("id"))
                    .values({name: bindparam(name) for name in _POSITION_COLUMNS}))


def _values(ping: Ping) -> dict[str, object]:
    return {"lat": ping.lat, "lon": ping.lon, "recorded_at": ping.at, "speed_kmh": ping.speed_kmh,
            "heading_deg": ping.heading_deg, "accuracy_m": ping.accuracy_m}


@dataclass(frozen=True)
class PingRequest:
    """A ping as received: whose, what, and when it reached the server."""

    driver_id: int
    cmd: PingIn
    received_at: datetime


def record_ping(uow: UnitOfWork, driver_id: int, cmd: PingIn, *,
                limits: PingLimits | None = None, now: datetime | None = None,
                eta_limits: EtaLimits | None = None) -> PingResult:
    """Store the ping (422 naming the field when it is impossible), move the position and
    refresh the ETAs of the driver's active route (``eta_limits``: settings defaults), in
    a transaction of its own (the API batches pings instead: ``ping_writer``)."""
    with uow:
        [outcome] = record_pings(uow.db, [PingRequest(driver_id, cmd, now or utcnow())],
                                 limits=limits or PingLimits(), eta_limits=eta_limits)
        if isinstance(outcome, DomainError):
            raise outcome
        uow.commit()
        return outcome


def record_pings(db: Session, requests: Sequence[PingRequest], *, limits: PingLimits,
                 eta_limits: EtaLimits | None) -> list[PingResult | DomainError]:
    """Judge, store and apply ``requests`` in the caller's transaction; one outcome each,
    in order: the result, or the rule the ping broke (nothing of it is then written).

    The hottest write path of the service, so it speaks SQL directly and in bulk: one
    locked read of the drivers' positions, one insert of the pings, one update of the
    positions that moved, then the ETAs of those drivers' routes (``refresh_drivers``).
    Pings of one driver are judged in order, each against the position the one before
    left, exactly as if they had come one transaction each."""
    positions: dict[int, Ping | None] = dict.fromkeys({r.driver_id for r in requests})
    for driver_id, *columns in db.execute(_LOCKED_POSITIONS, {"driver_ids": sorted(positions)}):
        positions[driver_id] = Ping(*columns)
    stored = {driver_id for driver_id, ping in positions.items() if ping is not None}
    outcomes: list[PingResult | DomainError] = []
    inserts: list[dict[str, object]] = []
    moved: dict[int, PingRequest] = {}
    for request in requests:
        cmd = request.cmd
        ping = Ping(cmd.lat, cmd.lon, cmd.timestamp, cmd.speed, cmd.heading, cmd.accuracy)
        previous = positions[request.driver_id]
        try:
            check_ping(ping, now=request.received_at, previous=previous, limits=limits)
        except DomainError as refused:
            outcomes.append(refused)
            continue
        inserts.append({"driver_id": request.driver_id, "received_at": request.received_at,
                        **_values(ping)})
        current = newest(previous, ping) is ping
        if current:
            positions[request.driver_id] = ping
            moved[request.driver_id] = request
        shown = ping if current else previous
        outcomes.append(PingResult(stored=True, current=current, position=PositionRead(
            driver_id=request.driver_id, **_values(shown))))
    if inserts:
        db.execute(insert(_PINGS), inserts)
    _move_positions(db, {d: positions[d] for d in moved}, stored)
    refresh_drivers(db, {d: (Position(GeoPoint(positions[d].lat, positions[d].lon),
                                      positions[d].at), r.received_at)
                         for d, r in moved.items()}, limits=eta_limits)
    return outcomes


def _move_positions(db: Session, latest: dict[int, Ping], stored: set[int]) -> None:
    updates = [{"id": d, **_values(p)} for d, p in latest.items() if d in stored]
    inserts = [{"driver_id": d, **_values(p)} for d, p in latest.items() if d not in stored]
    if updates:
        db.execute(_UPDATE_POSITION, updates)
    if inserts:
        db.execute(insert(_POSITIONS), inserts)


def current_position(uow: UnitOfWork, driver_id: int) -> PositionRead:
    """Where the driver last was; 404 when they never reported."""
    with uow:
        position = uow.db.get(DriverPosition, driver_id)
        if position is None:
            raise NotFound(f"driver {driver_id} has not reported a position",
                           field="driver_id")
        return PositionRead.model_validate(position)
