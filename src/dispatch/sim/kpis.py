"""The day's key figures, read back from what the services recorded.

On time means service began by the end of the customer's window (the driver's arrival,
or the window start when early); the rate is over every accepted order, so one never
delivered counts as late. ETA error compares each ETA a customer could see (the
simulator samples them every five minutes) with when service actually began; the headline
figures take the ETAs shown in the hour before the door (``ETA_LEAD``), when customers
watch them, and ``eta_mae_all_min`` every ETA however far ahead (hours ahead, a van's
later stops carry the whole route's noise).

Returns count what customers asked to send back, what drivers collected, and what
went back on the shelf; notifications count what the relay sent, by template. Pick
mismatches are the picks that did not match their order (``PickRecord``) per 100
orders picked: the order-accuracy figure the warehouse keeps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.notifications.models import Notification
from dispatch.notifications.service import SENT
from dispatch.orders.models import Order, PickRecord
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.models import Return
from dispatch.sim.run import DayRun
from dispatch.stock.domain import MovementKind
from dispatch.stock.models import StockMovement
from dispatch.stoplists.models import RouteStop

COLLECTED = frozenset({ReturnStatus.PICKED_UP.value, ReturnStatus.RECEIVED.value,
                       ReturnStatus.REFUNDED.value, ReturnStatus.EXCHANGED.value})


ETA_LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class DayKpis:
    orders: int
    refused: int
    stockouts: int
    delivered: int
    undelivered: int
    on_time_rate: float
    lateness_mean_min: float
    lateness_p90_min: float
    first_attempt_success: float
    km_driven: float
    km_per_order: float
    driver_utilisation: float
    eta_mae_min: float
    eta_p90_min: float
    eta_samples: int
    eta_mae_all_min: float
    pick_mismatches_per_100: float
    returns_requested: int
    returns_picked_up: int
    returns_restocked: int  # returns with units back on the shelf
    units_restocked: int
    exchanges: int  # replacement orders placed
    notifications_sent: int
    notifications_by_kind: dict[str, int]  # template -> messages sent

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _p90(values: list[float]) -> float:
    return float(np.percentile(values, 90)) if values else 0.0


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def day_kpis(run: DayRun) -> DayKpis:
    """What the dispatcher's report leads with, for one simulated day."""
    order_ids = list(run.placed.values())
    with run.database.read_uow() as uow:
        db = uow.db
        orders = db.execute(select(Order.id, Order.status, Order.delivery_attempts)
                            .where(Order.id.in_(order_ids))).all() if order_ids else []
        served = db.execute(
            select(RouteStop.id, RouteStop.order_id, RouteStop.arrived_at,
                   RouteStop.window_start, RouteStop.window_end)
            .where(RouteStop.kind == "delivery", RouteStop.status == "completed")).all()
        # When service could begin at each stop reached: arrival, or the window's start.
        began = {stop_id: max(arrived, opens) for stop_id, arrived, opens in db.execute(
            select(RouteStop.id, RouteStop.arrived_at, RouteStop.window_start)
            .where(RouteStop.arrived_at.is_not(None))).all()}
        attempted = db.scalar(select(func.count(func.distinct(RouteStop.order_id))).where(
            RouteStop.kind == "delivery", RouteStop.status.in_(("completed", "failed"))))
        picks = db.execute(select(PickRecord.order_id, PickRecord.matched)).all()
        extras = _returns_and_notifications(db)
    delivered = [o for o in orders if o.status == "delivered"]
    lateness = [max(0.0, _minutes(max(s.arrived_at, s.window_start) - s.window_end))
                for s in served]
    first_time = sum(1 for o in delivered if o.delivery_attempts == 1)  # counts the success
    every = [(began[stop_id] - at, abs(_minutes(began[stop_id] - eta)))
             for stop_id, at, eta in run.eta_samples if stop_id in began]
    errors = [error for lead, error in every if lead <= ETA_LEAD]
    km = sum(s.driven_m for s in run.fleet.states.values()) / 1000
    return DayKpis(
        orders=len(run.placed) + len(run.refused), refused=len(run.refused),
        stockouts=sum(1 for r in run.refused if "stock" in r.code),
        delivered=len(delivered), undelivered=len(orders) - len(delivered)
        - sum(1 for o in orders if o.status == "cancelled"),
        # Over every accepted order: one never delivered is not on time either.
        on_time_rate=_share(sum(1 for x in lateness if x == 0.0),
                            sum(1 for o in orders if o.status != "cancelled")),
        lateness_mean_min=float(np.mean(lateness)) if lateness else 0.0,
        lateness_p90_min=_p90(lateness),
        first_attempt_success=_share(first_time, attempted or 0),
        km_driven=km, km_per_order=km / len(delivered) if delivered else 0.0,
        driver_utilisation=_share(sum(s.busy_seconds for s in run.fleet.states.values()),
                                  _shift_seconds(run)),
        eta_mae_min=float(np.mean(errors)) if errors else 0.0, eta_p90_min=_p90(errors),
        eta_samples=len(errors),
        eta_mae_all_min=float(np.mean([e for _, e in every])) if every else 0.0,
        pick_mismatches_per_100=100 * _share(sum(1 for p in picks if not p.matched),
                                             len({p.order_id for p in picks})),
        **extras,
    )


def _returns_and_notifications(db: Session) -> dict[str, Any]:
    statuses = db.scalars(select(Return.status)).all()
    restocked = db.execute(
        select(func.count(func.distinct(StockMovement.return_id)),
               func.coalesce(func.sum(StockMovement.quantity), 0))
        .where(StockMovement.kind == MovementKind.RETURN_RESTOCK.value)).one()
    by_kind = dict(db.execute(select(Notification.template, func.count())
                              .where(Notification.status == SENT)
                              .group_by(Notification.template)
                              .order_by(Notification.template)).all())
    return {
        "returns_requested": len(statuses),
        "returns_picked_up": sum(1 for s in statuses if s in COLLECTED),
        "returns_restocked": int(restocked[0]), "units_restocked": int(restocked[1]),
        "exchanges": db.scalar(select(func.count()).select_from(Order)
                               .where(Order.exchange_of_return_id.is_not(None))),
        "notifications_sent": sum(by_kind.values()),
        "notifications_by_kind": by_kind,
    }


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _shift_seconds(run: DayRun) -> float:
    total = 0.0
    for group in run.scenario.fleet:
        per_driver = sum((int(end) - int(start)) * 60 for start, end in group.shifts)
        total += per_driver * group.count
    return total
