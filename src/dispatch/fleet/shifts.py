"""Driver shifts: adding, listing and cancelling the periods a driver can be routed in.

A shift is checked when added (aware times, ends after it starts, at most
``MAX_SHIFT``, no overlap with the driver's other live shifts). The driver row is locked
first, so two shifts added at once for one driver are checked one after the other and
cannot both slip past the overlap rule. Every change bumps ``version`` (the ETag), which
a plan records so that a commit notices a shift cancelled in the meantime.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.common.checks import check_version, require_aware
from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, Invalid, NotFound
from dispatch.fleet.models import Driver, DriverShift
from dispatch.fleet.schemas import ShiftCreate, ShiftRead

MAX_SHIFT = timedelta(hours=16)


def check_shift_times(starts_at: datetime, ends_at: datetime) -> None:
    """Refuse naive, inverted, empty or over-long shifts (422 naming the field)."""
    require_aware(starts_at, "starts_at")
    require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise Invalid("a shift must end after it starts", field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        hours = MAX_SHIFT / timedelta(hours=1)
        raise Invalid(f"a shift may last at most {hours:g} h", field="ends_at")


def _driver(db: Session, driver_id: int, *, lock: bool = False) -> Driver:
    driver = db.get(Driver, driver_id, with_for_update=lock)
    if driver is None:
        raise NotFound(f"driver {driver_id} does not exist", field="driver_id")
    return driver


def _overlapping(db: Session, driver_id: int, starts_at: datetime,
                 ends_at: datetime) -> DriverShift | None:
    """The first live shift of the driver sharing time with ``[starts_at, ends_at)``;
    shifts that only touch (one ends when the next starts) do not overlap."""
    return db.scalars(
        select(DriverShift)
        .where(DriverShift.driver_id == driver_id, DriverShift.cancelled.is_(False),
               DriverShift.starts_at < ends_at, DriverShift.ends_at > starts_at)
        .order_by(DriverShift.starts_at).limit(1)
    ).first()


def create_shift(uow: UnitOfWork, driver_id: int, cmd: ShiftCreate) -> ShiftRead:
    """Add a shift; 409 naming the clashing shift when it overlaps a live one."""
    check_shift_times(cmd.starts_at, cmd.ends_at)
    with uow:
        db = uow.db
        _driver(db, driver_id, lock=True)
        clash = _overlapping(db, driver_id, cmd.starts_at, cmd.ends_at)
        if clash is not None:
            raise Conflict(
                f"the shift overlaps shift {clash.id} ({clash.starts_at:%Y-%m-%d %H:%M} to "
                f"{clash.ends_at:%Y-%m-%d %H:%M} UTC)", field="starts_at",
                overlapping_shift_id=clash.id,
            )
        shift = DriverShift(driver_id=driver_id, starts_at=cmd.starts_at, ends_at=cmd.ends_at,
                            cancelled=False, version=1)
        db.add(shift)
        db.flush()
        result = ShiftRead.model_validate(shift)
        uow.commit()
        return result


def list_shifts(uow: UnitOfWork, driver_id: int, *, starts_before: datetime | None = None,
                ends_after: datetime | None = None, limit: int,
                after: int | None) -> tuple[list[ShiftRead], str | None]:
    """The driver's shifts (cancelled ones too), by id; ``ends_after``/``starts_before``
    keep those sharing time with that period."""
    with uow:
        db = uow.db
        _driver(db, driver_id)
        query = keyset(select(DriverShift).where(DriverShift.driver_id == driver_id),
                       DriverShift.id, limit=limit, after=after)
        if ends_after is not None:
            query = query.where(DriverShift.ends_at > ends_after)
        if starts_before is not None:
            query = query.where(DriverShift.starts_at < starts_before)
        rows = [ShiftRead.model_validate(s) for s in db.scalars(query)]
    return page_of(rows, limit)


def cancel_shift(uow: UnitOfWork, driver_id: int, shift_id: int,
                 expected_version: int | None = None) -> ShiftRead:
    """Cancel a shift; plans built on it can no longer be committed."""
    with uow:
        db = uow.db
        _driver(db, driver_id)
        shift = db.get(DriverShift, shift_id, with_for_update=True)
        if shift is None or shift.driver_id != driver_id:
            raise NotFound(f"driver {driver_id} has no shift {shift_id}", field="shift_id")
        check_version("shift", shift_id, shift.version, expected_version)
        if shift.cancelled:
            raise Conflict(f"shift {shift_id} is already cancelled", field="shift_id")
        shift.cancelled = True
        shift.version += 1
        db.flush()
        result = ShiftRead.model_validate(shift)
        uow.commit()
        return result
