"""The way many small shops dispatch today, as the simulator's baseline: each ready
order, first come first served, goes alone to the nearest free driver; no batching, no
optimisation, and late orders go out late rather than being held back.

It dispatches through the same plan-and-commit path as the optimised policy (a plan of
fixed routes timed by the routing core's plan mode), so drivers, ETAs and customers see
exactly what they would see with a planned wave.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from dispatch.common.geo import haversine_km
from dispatch.errors import DomainError
from dispatch.fleet.models import Driver
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.planning import service, worker
from dispatch.planning.commit import commit_plan
from dispatch.planning.schemas import PlanCreate
from dispatch.planning.snapshot import order_skills
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.models import Return
from dispatch.settings import Settings
from dispatch.sim.drivers import DriverState
from dispatch.tracking.eta import EtaLimits

log = logging.getLogger(__name__)


def dispatch_ready(run, settings: Settings, now: datetime) -> None:
    """Send every ready order, oldest first, then every approved return pickup, each
    with the nearest idle driver of its warehouse who is on shift and equipped for it (a
    hot bag, a fridge), one per trip."""
    free = [s for s in run.fleet.states.values() if not s.busy and _on_shift(run, s, now)]
    if not free:
        return
    with run.database.read_uow() as uow:
        orders = uow.db.execute(
            select(Order.id, Order.warehouse_id, Order.lat, Order.lon)
            .where(Order.status == OrderStatus.READY.value, Order.driver_id.is_(None),
                   Order.id.in_(list(run.placed.values())))
            .order_by(Order.id)).all()
        ready = [(f"order:{o.id}", o.warehouse_id, o.lat, o.lon) for o in orders]
        ready += [(f"return:{r.id}", r.warehouse_id, r.lat, r.lon) for r in uow.db.execute(
            select(Return.id, Return.warehouse_id, Order.lat, Order.lon)
            .join(Order, Order.id == Return.order_id)
            .where(Return.status == ReturnStatus.APPROVED.value, Return.driver_id.is_(None),
                   Return.pickup_window_start.is_not(None))
            .order_by(Return.id))]
        needs = {f"order:{order_id}": skills for order_id, skills
                 in order_skills(uow.db, [o.id for o in orders]).items()}
        has = {driver_id: frozenset(skills or ()) for driver_id, skills in uow.db.execute(
            select(Driver.id, Driver.skills).where(Driver.id.in_([s.driver.id for s in free])))}
    for stop_id, warehouse_id, lat, lon in ready:
        need = needs.get(stop_id, frozenset())
        candidates = [s for s in free
                      if s.driver.warehouse_id == warehouse_id and need <= has[s.driver.id]]
        if not candidates:
            continue
        state = min(candidates, key=lambda s: (haversine_km(s.lat, s.lon, lat, lon),
                                               s.driver.id))
        if _send(run, settings, state, stop_id, warehouse_id, now):
            free.remove(state)
            state.busy = True
            run.fleet.start(state)


def _send(run, settings: Settings, state: DriverState, stop_id: str, warehouse_id: int,
          now: datetime) -> bool:
    cmd = PlanCreate(warehouse_ids=[warehouse_id], driver_ids=[state.driver.id], serve_late=True)
    try:
        plan = service.request_plan(run.database, cmd, run.operation.dispatcher, settings,
                                    now=now,
                                    runner=worker.fixed_routes({state.driver.id:
                                                                [stop_id]},
                                                               travel=run.travel))
        commit_plan(run.database.uow(), plan.id, run.operation.dispatcher,
                    eta_window_minutes=settings.eta_window_min_minutes, now=now,
                    eta_limits=EtaLimits.from_settings(settings))
    except DomainError as error:
        log.info("%s not sent with %s: %s", stop_id, state.driver.name, error.detail)
        return False
    return True


def _on_shift(run, state: DriverState, now: datetime) -> bool:
    return any(start <= now < end for start, end in state.driver.shifts)
