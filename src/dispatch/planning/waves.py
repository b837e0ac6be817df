"""Automatic waves: each warehouse's batch policy, the wave board, one scheduler pass.

The board reads, per warehouse, the work waiting for a wave (ready orders and approved
return pickups on no route), when its latest plan was made, whether one is in flight, and
asks ``batching.wave_due``. Work whose window is already lost is listed, not counted: a
wave could not serve it, and counting it would start a wave on every tick.

A scheduler pass (``run_due_waves``) first commits the automatic waves that finished
(``wave_commit``), then starts a plan for each warehouse whose wave is due, as ``SYSTEM``:
a dispatcher principal with no user, so plans and order history show no person
(``requested_by_user_id`` and ``actor_user_id`` are null). On PostgreSQL a transaction
advisory lock per warehouse keeps two API processes from starting the same wave; SQLite
serves one process.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select, text, true, update
from sqlalchemy.orm import Session

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.db.uow import UnitOfWork
from dispatch.errors import DomainError, Invalid
from dispatch.fleet.models import Driver, DriverShift
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order, OrderEvent
from dispatch.planning import service
from dispatch.planning.batching import (
    MAX_PERIOD,
    BatchPolicy,
    OnDemand,
    ReadyWork,
    next_check,
    policy_from_config,
    policy_to_config,
    split_unmeetable,
    wave_due,
)
from dispatch.planning.models import Plan
from dispatch.planning.recovery import fail_stuck_plans
from dispatch.planning.results import work_ref
from dispatch.planning.schemas import PlanCreate
from dispatch.planning.service import PlanRunner
from dispatch.planning.snapshot import ACTIVE, OPEN_STOP
from dispatch.planning.wave_commit import SYSTEM, WAVE, commit_finished_waves
from dispatch.planning.wave_schemas import (
    BatchPolicyIn,
    BatchPolicyRead,
    UnmeetableWork,
    WaveBoard,
    WaveStatus,
)
from dispatch.planning.worker import QUEUED, RUNNING
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.models import Return
from dispatch.routing.matrices import GreatCircleMatrix
from dispatch.routing.matrices.great_circle import haversine_metres
from dispatch.settings import Settings
from dispatch.stock.catalog import require_warehouse
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop

log = logging.getLogger(__name__)

LOCK_CLASS = 0x57415645  # "WAVE": the first key of pg_try_advisory_xact_lock(int, int)
_TRAVEL = GreatCircleMatrix()


# --- Policies ------------------------------------------------------------------------------


def policy_of(warehouse: Warehouse) -> BatchPolicy:
    """The warehouse's policy; a stored value that no longer reads is on demand (logged),
    so one bad row cannot stop the board or the scheduler."""
    if warehouse.batch_policy is None:
        return OnDemand()
    try:
        return policy_from_config(warehouse.batch_policy)
    except Invalid:
        log.warning("warehouse %s has an unreadable batch policy %r; treating it as on demand",
                    warehouse.id, warehouse.batch_policy)
        return OnDemand()


def _policy_read(warehouse_id: int, policy: BatchPolicy) -> BatchPolicyRead:
    return BatchPolicyRead(warehouse_id=warehouse_id, **policy_to_config(policy))


def get_policy(uow: UnitOfWork, warehouse_id: int) -> BatchPolicyRead:
    with uow:
        return _policy_read(warehouse_id, policy_of(require_warehouse(uow.db, warehouse_id)))


def set_policy(uow: UnitOfWork, warehouse_id: int, cmd: BatchPolicyIn) -> BatchPolicyRead:
    """Replace the warehouse's policy; on demand is stored as null (the default)."""
    policy = policy_from_config(cmd.model_dump(exclude_unset=True))
    with uow:
        warehouse = require_warehouse(uow.db, warehouse_id)
        warehouse.batch_policy = None if isinstance(policy, OnDemand) else policy_to_config(policy)
        uow.commit()
    log.info("warehouse %s batch policy set to %s", warehouse_id, policy_to_config(policy))
    return _policy_read(warehouse_id, policy)


# --- What waits for a wave -----------------------------------------------------------------


def _waiting(db: Session, warehouse_ids: Sequence[int],
             opens_before: datetime | None = None) -> dict[int, list[tuple]]:
    """Per warehouse: ``(ReadyWork id, ready_at, window_end, lat, lon)`` of every ready
    order (ready since its latest move into ready) and approved pickup on no route, whose
    window opens by ``opens_before`` (when given)."""
    ready = OrderStatus.READY.value
    order_opens = Order.window_start <= opens_before if opens_before else true()
    pickup_opens = Return.pickup_window_start <= opens_before if opens_before else true()
    orders = db.execute(
        select(Order.id, Order.warehouse_id, Order.updated_at, Order.window_end, Order.lat,
               Order.lon, func.max(OrderEvent.created_at))
        .outerjoin(OrderEvent, (OrderEvent.order_id == Order.id) & (OrderEvent.to_status == ready))
        .where(Order.status == ready, Order.warehouse_id.in_(warehouse_ids), order_opens)
        .group_by(Order.id, Order.warehouse_id, Order.updated_at, Order.window_end, Order.lat,
                  Order.lon).order_by(Order.id))
    busy = (select(RouteStop.return_id).join(DriverRoute)
            .where(DriverRoute.status == ACTIVE, RouteStop.status.in_(OPEN_STOP),
                   RouteStop.return_id.is_not(None)))
    pickups = db.execute(
        select(Return.id, Return.warehouse_id, Return.updated_at, Return.pickup_window_end,
               Order.lat, Order.lon)
        .join(Order, Order.id == Return.order_id)
        .where(Return.status == ReturnStatus.APPROVED.value,
               Return.warehouse_id.in_(warehouse_ids),
               Return.pickup_window_start.is_not(None), Return.pickup_window_end.is_not(None),
               Return.id.not_in(busy), pickup_opens).order_by(Return.id))
    waiting: dict[int, list[tuple]] = defaultdict(list)
    for order_id, warehouse_id, updated, end, lat, lon, since in orders:
        waiting[warehouse_id].append((f"order:{order_id}", since or updated, end, lat, lon))
    for return_id, warehouse_id, updated, end, lat, lon in pickups:
        waiting[warehouse_id].append((f"return:{return_id}", updated, end, lat, lon))
    return waiting


def _shifts(db: Session, warehouse_ids: Sequence[int],
            now: datetime) -> dict[int, tuple[int, datetime]]:
    """Per warehouse: drivers with a shift not yet over, and the earliest such shift start
    (no van leaves before it)."""
    rows = db.execute(
        select(Driver.warehouse_id, func.count(func.distinct(Driver.id)),
               func.min(DriverShift.starts_at))
        .join(Driver, Driver.id == DriverShift.driver_id)
        .where(Driver.active.is_(True), Driver.warehouse_id.in_(warehouse_ids),
               DriverShift.cancelled.is_(False), DriverShift.ends_at > now)
        .group_by(Driver.warehouse_id))
    return {warehouse_id: (count, start) for warehouse_id, count, start in rows}


def _leads(warehouse: Warehouse, items: list[tuple], departure: timedelta) -> dict[str, timedelta]:
    """The least time to each item from the warehouse: departure wait plus the drive."""
    if not items:
        return {}
    metres = haversine_metres(np.array([[warehouse.lat, warehouse.lon]]),
                              np.array([[lat, lon] for *_, lat, lon in items])) * _TRAVEL.detour
    seconds = _TRAVEL.speed.seconds(metres)[0]
    return {item[0]: departure + timedelta(seconds=float(s))
            for item, s in zip(items, seconds, strict=True)}


@dataclass(frozen=True)
class _PlanRef:
    id: int
    status: str
    created_at: datetime


def _plans(db: Session, now: datetime) -> tuple[dict[int, _PlanRef], dict[int, _PlanRef]]:
    """Per warehouse: its latest plan of the last 24 h (older ones cannot change a
    decision) and a plan of it still queued or running."""
    latest: dict[int, _PlanRef] = {}
    in_flight: dict[int, _PlanRef] = {}
    since = now - MAX_PERIOD
    for plan_id, status, created_at, warehouse_ids in db.execute(
            select(Plan.id, Plan.status, Plan.created_at, Plan.warehouse_ids)
            .where((Plan.created_at >= since) | Plan.status.in_((QUEUED, RUNNING)))
            .order_by(Plan.created_at, Plan.id)):
        plan = _PlanRef(plan_id, status, created_at)
        for warehouse_id in warehouse_ids:
            if created_at >= since:
                latest[warehouse_id] = plan
            if status in (QUEUED, RUNNING):
                in_flight.setdefault(warehouse_id, plan)
    return latest, in_flight


# --- The board -----------------------------------------------------------------------------


def _minutes(value: float) -> str:
    return f"{value:g}"


def _decide(policy: BatchPolicy, ready: list[ReadyWork], *, now: datetime,
            last_wave_at: datetime | None, in_flight: _PlanRef | None, drivers: int,
            min_gap: timedelta) -> tuple[bool, str, datetime | None]:
    """The policy's answer, held back while a plan of the warehouse is in flight, while no
    driver could take the work, or within ``min_gap`` of the last wave."""
    decision = wave_due(policy, now=now, ready=ready, last_wave_at=last_wave_at)
    check = next_check(policy, now=now, ready=ready, last_wave_at=last_wave_at)
    if not decision.due:
        return False, decision.reason, check
    if in_flight is not None:
        return False, f"{decision.reason}; held: plan {in_flight.id} is {in_flight.status}", None
    if drivers == 0:
        return False, f"{decision.reason}; held: no driver has a shift that has not ended", None
    if last_wave_at is not None and now < last_wave_at + min_gap:
        gap = _minutes(min_gap / timedelta(minutes=1))
        return (False, f"{decision.reason}; held: at most one automatic wave every {gap} min",
                last_wave_at + min_gap)
    return True, decision.reason, now


def board_entries(db: Session, settings: Settings, *, now: datetime,
                  warehouse_ids: Sequence[int] | None = None) -> list[WaveStatus]:
    """The board rows of ``warehouse_ids`` (default: every warehouse), in id order."""
    query = select(Warehouse).order_by(Warehouse.id)
    if warehouse_ids is not None:
        query = query.where(Warehouse.id.in_(warehouse_ids))
    warehouses = list(db.scalars(query))
    ids = [w.id for w in warehouses]
    horizon = settings.wave_horizon_minutes
    opens_before = now + timedelta(minutes=horizon) if horizon else None
    waiting, shifts = _waiting(db, ids, opens_before), _shifts(db, ids, now)
    latest, in_flight = _plans(db, now)
    min_gap = timedelta(minutes=settings.wave_min_gap_minutes)
    entries = []
    for warehouse in warehouses:
        items = waiting.get(warehouse.id, [])
        drivers, first_start = shifts.get(warehouse.id, (0, None))
        departure = max(timedelta(0), first_start - now) if first_start else timedelta(0)
        ready = [ReadyWork(item_id, ready_at, end) for item_id, ready_at, end, *_ in items]
        meetable, lost = split_unmeetable(ready, now=now,
                                          min_lead=_leads(warehouse, items, departure))
        last = latest.get(warehouse.id)
        last_at = last.created_at if last is not None else None
        policy, flying = policy_of(warehouse), in_flight.get(warehouse.id)
        # Work that will be served late counts as much as work still on time.
        wanted = ready if settings.wave_serve_late else meetable
        due, reason, check = _decide(policy, wanted, now=now, last_wave_at=last_at,
                                     in_flight=flying, drivers=drivers, min_gap=min_gap)
        entries.append(WaveStatus(
            warehouse_id=warehouse.id, warehouse_code=warehouse.code,
            policy=_policy_read(warehouse.id, policy),
            ready_orders=sum(i.id.startswith("order:") for i in ready),
            ready_pickups=sum(i.id.startswith("return:") for i in ready),
            oldest_ready_since=min((i.ready_at for i in ready), default=None),
            drivers_on_shift=drivers, last_wave_at=last_at,
            last_plan_id=last.id if last is not None else None,
            plan_in_flight_id=flying.id if flying is not None else None,
            due=due, reason=reason, next_check=check,
            unmeetable=[UnmeetableWork(**work_ref(u.id), window_end=u.window_end,
                                       earliest_arrival=u.earliest_arrival, reason=u.reason)
                        for u in lost]))
    return entries


def wave_board(database: Database, settings: Settings, *, now: datetime | None = None) -> WaveBoard:
    now = now or utcnow()
    with database.uow() as uow:
        entries = board_entries(uow.db, settings, now=now)
    return WaveBoard(at=now, scheduler_enabled=settings.wave_scheduler_enabled,
                     auto_commit=settings.wave_auto_commit, warehouses=entries)


# --- One scheduler pass --------------------------------------------------------------------


def _locked(db: Session, warehouse_id: int) -> bool:
    """This process's turn to start the warehouse's wave (PostgreSQL: a transaction
    advisory lock, released when the transaction ends; SQLite: always)."""
    if db.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.scalar(text("SELECT pg_try_advisory_xact_lock(:c, :w)"),
                          {"c": LOCK_CLASS, "w": warehouse_id}))


def _request(database: Database, settings: Settings, entry: WaveStatus, now: datetime,
             runner: PlanRunner | None) -> int:
    cmd = PlanCreate(warehouse_ids=[entry.warehouse_id], serve_late=settings.wave_serve_late,
                     horizon_minutes=settings.wave_horizon_minutes,
                     depart_now=settings.wave_depart_now,
                     close_margin_minutes=settings.wave_close_margin_minutes)
    plan = service.request_plan(database, cmd, SYSTEM, settings, now=now, runner=runner)
    marker: dict[str, Any] = {"trigger": entry.reason, "auto_commit": settings.wave_auto_commit}
    with database.uow() as uow:  # tag it, so the next pass knows to commit it
        uow.db.execute(update(Plan).where(Plan.id == plan.id).values(
            params={**plan.params, WAVE: marker}, version=Plan.version + 1))
        uow.commit()
    log.info("wave for warehouse %s: plan %s (%s)", entry.warehouse_id, plan.id, entry.reason)
    return plan.id


def _start_wave(database: Database, settings: Settings, warehouse_id: int,
                now: datetime, runner: PlanRunner | None = None) -> int | None:
    """Start the warehouse's wave if it is (still) due; the plan id, or None."""
    with database.uow() as uow:
        if not _locked(uow.db, warehouse_id):
            return None  # another process is starting it
        (entry,) = board_entries(uow.db, settings, now=now, warehouse_ids=[warehouse_id])
        if not entry.due:
            return None
        if uow.db.get_bind().dialect.name == "postgresql":  # keep the lock while queueing
            return _request(database, settings, entry, now, runner)
    # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE); release it first.
    return _request(database, settings, entry, now, runner)


def run_due_waves(database: Database, settings: Settings, *, now: datetime,
                  runner: PlanRunner | None = None) -> list[int]:
    """One scheduler pass: fail stuck plans, commit finished automatic waves (when
    ``wave_auto_commit``), then start every wave that is due (solved by ``runner``).
    Returns the plans started.
    A warehouse whose wave cannot start (no slot, too many stops) is logged and skipped."""
    fail_stuck_plans(database, settings, now=now)
    if settings.wave_auto_commit:
        commit_finished_waves(database, settings, now=now)
    with database.uow() as uow:
        due = [e.warehouse_id for e in board_entries(uow.db, settings, now=now) if e.due]
    started = []
    for warehouse_id in due:
        try:
            plan_id = _start_wave(database, settings, warehouse_id, now, runner)
        except DomainError as error:
            log.warning("wave for warehouse %s not started: %s", warehouse_id, error.detail)
        except Exception:
            log.exception("wave for warehouse %s failed to start", warehouse_id)
        else:
            if plan_id is not None:
                started.append(plan_id)
    return started


def wave_plans_in_flight(database: Database) -> bool:
    """Whether an automatic wave is still queued or running (the scheduler then looks
    again soon, to commit it as soon as it is done)."""
    with database.uow() as uow:
        return any(WAVE in (params or {}) for params in uow.db.scalars(
            select(Plan.params).where(Plan.status.in_((QUEUED, RUNNING)))))
