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
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.planning import service, worker
from dispatch.planning.commit import commit_plan
from dispatch.planning.schemas import PlanCreate
from dispatch.settings import Settings
from dispatch.sim.drivers import DriverState
from dispatch.tracking.eta import EtaLimits

log = logging.getLogger(__name__)


def dispatch_ready(run, settings: Settings, now: datetime) -> None:
    """Send every ready order, oldest first, with the nearest idle driver of its
    warehouse who is on shift, one order per trip."""
    free = [s for s in run.fleet.states.values() if not s.busy and _on_shift(run, s, now)]
    if not free:
        return
    with run.database.read_uow() as uow:
        ready = uow.db.execute(
            select(Order.id, Order.warehouse_id, Order.lat, Order.lon)
            .where(Order.status == OrderStatus.READY.value, Order.driver_id.is_(None),
                   Order.id.in_(list(run.placed.values())))
            .order_by(Order.id)).all()
    for order in ready:
        candidates = [s for s in free if s.driver.warehouse_id == order.warehouse_id]
        if not candidates:
            continue
        state = min(candidates, key=lambda s: (haversine_km(s.lat, s.lon, order.lat, order.lon),
                                               s.driver.id))
        if _send(run, settings, state, order.id, order.warehouse_id, now):
            free.remove(state)
            state.busy = True
            run.fleet.start(state)


def _send(run, settings: Settings, state: DriverState, order_id: int, warehouse_id: int,
          now: datetime) -> bool:
    cmd = PlanCreate(warehouse_ids=[warehouse_id], driver_ids=[state.driver.id])
    try:
        plan = service.request_plan(run.database, cmd, run.operation.dispatcher, settings,
                                    now=now, serve_late=True,
                                    runner=worker.fixed_routes({state.driver.id:
                                                                [f"order:{order_id}"]}))
        commit_plan(run.database.uow(), plan.id, run.operation.dispatcher,
                    eta_window_minutes=settings.eta_window_min_minutes, now=now,
                    eta_limits=EtaLimits.from_settings(settings))
    except DomainError as error:
        log.info("order %s not sent with %s: %s", order_id, state.driver.name, error.detail)
        return False
    return True


def _on_shift(run, state: DriverState, now: datetime) -> bool:
    return any(start <= now < end for start, end in state.driver.shifts)
