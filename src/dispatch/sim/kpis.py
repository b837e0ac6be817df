"""The day's key figures, read back from what the services recorded.

On time means service began by the end of the customer's window (the driver's arrival,
or the window start when early); the rate is over every accepted order, so one never
delivered counts as late. ETA error compares each ETA a customer could see (the
simulator samples them every five minutes) with when service actually began.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select

from dispatch.orders.models import Order
from dispatch.sim.run import DayRun
from dispatch.stoplists.models import RouteStop


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
    pick_mismatches_per_100: float

    def as_dict(self) -> dict[str, float | int]:
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
    delivered = [o for o in orders if o.status == "delivered"]
    lateness = [max(0.0, _minutes(max(s.arrived_at, s.window_start) - s.window_end))
                for s in served]
    first_time = sum(1 for o in delivered if o.delivery_attempts == 1)  # counts the success
    errors = [abs(_minutes(began[stop_id] - eta))
              for stop_id, _, eta in run.eta_samples if stop_id in began]
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
        eta_samples=len(errors), pick_mismatches_per_100=0.0,
    )


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _shift_seconds(run: DayRun) -> float:
    total = 0.0
    for group in run.scenario.fleet:
        per_driver = sum((int(end) - int(start)) * 60 for start, end in group.shifts)
        total += per_driver * group.count
    return total
