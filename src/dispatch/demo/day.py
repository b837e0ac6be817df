"""Where the demo's scenario day sits on the real clock.

A scenario's clock times are local and dateless (lunch from 11:30). Someone opening the
demo at 16:05 should still see a lunch about to be served, so the demo does not use the
calendar day: it slides the scenario's timeline so that its first order time (the start
of the demand) falls on now, rounded down to ten minutes. Everything keeps its place
relative to that: drivers started their shift a quarter of an hour ago, windows open
from 20 minutes after now, the last one closes three hours later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.fleet.models import Driver, DriverShift
from dispatch.scenarios.schema import Scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "restaurant-lunch.yaml"
"""The operation ``dispatch demo`` serves (the repository's ``scenarios/`` folder)."""
ALIGN = timedelta(minutes=10)


def first_order_minute(scenario: Scenario) -> int:
    """The scenario clock time its demand starts, in minutes after midnight."""
    return min(int(piece.start) for piece in scenario.demand.rate)


def demo_day_start(scenario: Scenario, now: datetime) -> datetime:
    """The demo's "midnight": the instant scenario clock times count from, chosen so that
    the first order time is ``now`` rounded down to ten minutes (so windows, which the
    scenario aligns on round minutes, land on round local times too)."""
    local = now.astimezone(scenario.tz).replace(second=0, microsecond=0)
    local -= timedelta(minutes=local.minute % (ALIGN // timedelta(minutes=1)))
    return local - timedelta(minutes=first_order_minute(scenario))


def ensure_shifts(db: Session, scenario: Scenario, day_start: datetime, now: datetime) -> int:
    """Put the scenario's drivers (found by name) who are off shift at ``now`` on their
    scenario shifts for the demo day starting at ``day_start``, never overlapping a shift
    they already have; returns how many shifts were added. A demo database reopened the
    next day thus has a fleet on shift again."""
    by_name = {d.name: d for d in db.scalars(select(Driver).where(Driver.active.is_(True)))}
    live = DriverShift.cancelled.is_(False)
    on_shift = set(db.scalars(select(DriverShift.driver_id).where(
        live, DriverShift.starts_at <= now, DriverShift.ends_at > now)))
    added = 0
    for group in scenario.fleet:
        for name in group.names():
            driver = by_name.get(name)
            if driver is None or driver.id in on_shift:
                continue
            for start, end in group.shifts:
                starts_at = day_start + timedelta(minutes=int(start))
                ends_at = day_start + timedelta(minutes=int(end))
                later = db.scalar(select(DriverShift.ends_at).where(
                    live, DriverShift.driver_id == driver.id, DriverShift.ends_at > starts_at)
                    .order_by(DriverShift.ends_at.desc()).limit(1))
                starts_at = max(starts_at, later) if later is not None else starts_at
                if starts_at < ends_at:
                    db.add(DriverShift(driver_id=driver.id, starts_at=starts_at,
                                       ends_at=ends_at, cancelled=False, version=1))
                    db.flush()
                    added += 1
    return added
