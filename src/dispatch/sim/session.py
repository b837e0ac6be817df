"""A simulated day in a few lines, for notebooks and scripts: a fresh SQLite file, the
day run on it, then what became of each order, each ETA shown and each driver, as plain
rows (a list of these dataclasses is a pandas DataFrame as it stands).

The rows use the same definitions as ``dispatch.sim.kpis``, so they add up to its
figures: a chart drawn from them explains the KPI table rather than contradicting it.
Times are local to the scenario.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.orders.models import Order
from dispatch.scenarios.schema import Scenario
from dispatch.sim.run import DayRun, SimOptions, simulate
from dispatch.stoplists.models import DriverRoute, RouteStop

OUTCOMES = ("on time", "late", "not delivered", "cancelled", "refused")
"""What became of an order, in the order a stacked chart reads best."""
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def clock_minute(text: str) -> int:
    """``"12:15"`` as minutes after midnight (``SimOptions.until_minute``)."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"expected a clock time HH:MM, got {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def fresh_sqlite(path: Path) -> Database:
    """A migrated, empty SQLite database at ``path``, replacing the file (and its WAL
    companions) an earlier run left there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    database = Database(make_engine(f"sqlite:///{path}"))
    database.migrate()
    return database


def simulate_to_db(path: Path, scenario: Scenario, options: SimOptions | None = None, *,
                   progress: Callable[[float], None] | None = None) -> DayRun:
    """The day, run on a fresh SQLite database at ``path``. The database stays open so the
    day can be read back; ``run.database.dispose()`` closes it."""
    database = fresh_sqlite(path)
    try:
        return simulate(database, scenario, options or SimOptions(), progress=progress)
    except BaseException:
        database.dispose()
        raise


@dataclass(frozen=True)
class OrderOutcome:
    """One order of the day. ``slack_min`` is how long before its window closed service
    began (negative: that late); None when it was never served."""

    ref: str
    order_id: int | None
    status: str  # the order's last status, or "refused" when the service turned it down
    outcome: str  # one of OUTCOMES
    window_start: datetime | None
    window_end: datetime | None
    began: datetime | None
    slack_min: float | None
    driver: str | None


@dataclass(frozen=True)
class EtaError:
    """One ETA a customer could see, against when service began at their door."""

    stop_id: int
    sampled_at: datetime
    lead_min: float  # how long before service began it was shown
    error_min: float  # service began minus the ETA: positive when later than promised


@dataclass(frozen=True)
class DriverDay:
    """One driver's day: busy (riding, or serving at a door) over on shift is their
    utilisation."""

    driver: str
    deliveries: int
    km: float
    busy_min: float
    shift_min: float
    utilisation: float


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def order_outcomes(run: DayRun) -> list[OrderOutcome]:
    """Every order that arrived, placed or refused, in arrival order of refs."""
    tz = run.day_start.tzinfo
    names = {d.id: d.name for d in run.operation.drivers}
    with run.database.read_uow() as uow:
        db = uow.db
        status = dict(db.execute(select(Order.id, Order.status)
                                 .where(Order.id.in_(list(run.placed.values())))).all())
        served: dict[int, tuple[datetime, datetime, datetime, int]] = {}
        for order_id, arrived, opens, closes, driver_id in db.execute(
                select(RouteStop.order_id, RouteStop.arrived_at, RouteStop.window_start,
                       RouteStop.window_end, DriverRoute.driver_id)
                .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
                .where(RouteStop.kind == "delivery", RouteStop.status == "completed")):
            began = max(arrived, opens)
            if order_id not in served or began < served[order_id][0]:
                served[order_id] = (began, opens, closes, driver_id)
    rows = []
    for ref, order_id in run.placed.items():
        if order_id in served:
            began, opens, closes, driver_id = served[order_id]
            slack = _minutes(closes - began)
            rows.append(OrderOutcome(ref, order_id, status[order_id],
                                     "on time" if slack >= 0 else "late",
                                     opens.astimezone(tz), closes.astimezone(tz),
                                     began.astimezone(tz), slack, names.get(driver_id)))
        else:
            gone = status[order_id] == "cancelled"
            rows.append(OrderOutcome(ref, order_id, status[order_id],
                                     "cancelled" if gone else "not delivered",
                                     None, None, None, None, None))
    rows += [OrderOutcome(r.ref, None, "refused", "refused", None, None, None, None, None)
             for r in run.refused]
    return rows


def eta_errors(run: DayRun) -> list[EtaError]:
    """Each sampled ETA of a stop that was then reached: their mean absolute error is the
    day's ``eta_mae_all_min``, and over those shown in the last hour ``eta_mae_min``."""
    tz = run.day_start.tzinfo
    with run.database.read_uow() as uow:
        began = {stop_id: max(arrived, opens) for stop_id, arrived, opens in uow.db.execute(
            select(RouteStop.id, RouteStop.arrived_at, RouteStop.window_start)
            .where(RouteStop.arrived_at.is_not(None))).all()}
    return [EtaError(stop_id, at.astimezone(tz), _minutes(began[stop_id] - at),
                     _minutes(began[stop_id] - eta))
            for stop_id, at, eta in run.eta_samples if stop_id in began]


def driver_days(run: DayRun) -> list[DriverDay]:
    """Every driver of the fleet, in the order they were seeded."""
    with run.database.read_uow() as uow:
        done = dict(uow.db.execute(
            select(DriverRoute.driver_id, func.count(RouteStop.id))
            .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
            .where(RouteStop.kind == "delivery", RouteStop.status == "completed")
            .group_by(DriverRoute.driver_id)).all())
    rows = []
    for state in run.fleet.states.values():
        driver = state.driver
        shift = sum(_minutes(end - start) for start, end in driver.shifts)
        busy = state.busy_seconds / 60
        rows.append(DriverDay(driver.name, done.get(driver.id, 0), state.driven_m / 1000,
                              busy, shift, busy / shift if shift else 0.0))
    return rows


def busy_share(run: DayRun, every: timedelta = timedelta(minutes=15)
               ) -> list[tuple[datetime, float]]:
    """``(slot start, share)`` over the simulated span: the time drivers spent riding or
    at a door in each slot over the time they were on shift in it (0 when nobody was)."""
    tz = run.day_start.tzinfo
    states = list(run.fleet.states.values())
    with run.database.read_uow() as uow:
        busy = uow.db.execute(select(RouteStop.arrived_at, RouteStop.finished_at).where(
            RouteStop.arrived_at.is_not(None), RouteStop.finished_at.is_not(None))).all()
    busy += [(start, end) for s in states for start, end, *_ in s.legs]
    slots = []
    t = run.started
    while t < run.ended:
        slots.append((t, min(t + every, run.ended)))
        t += every
    shares = []
    for lo, hi in slots:
        working = sum(_overlap(lo, hi, start, end) for start, end in busy)
        on_shift = sum(_overlap(lo, hi, start, end) for s in states
                       for start, end in s.driver.shifts)
        shares.append((lo.astimezone(tz), working / on_shift if on_shift else 0.0))
    return shares


def _overlap(lo: datetime, hi: datetime, start: datetime, end: datetime) -> float:
    return max(0.0, (min(hi, end) - max(lo, start)).total_seconds())
