"""Shortcuts for plan tests: drivers on shift, approved pickups, and waiting for the worker.

Solves run in the real process pool, which the whole test session shares (a process
costs a second or two to start); tests keep their time limits short.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from dispatch.db.database import Database
from dispatch.fleet.models import DriverShift
from dispatch.orders.models import Order
from dispatch.planning import worker
from dispatch.returns.models import Return, ReturnLine
from tests.support.world import World

HOUR = timedelta(hours=1)
SOLVE_SECONDS = 0.5
DEADLINE_SECONDS = 90.0


def on_shift(database: Database, world: World, driver: str, *, starts: timedelta = -HOUR,
             hours: float = 8) -> int:
    """Give ``driver`` a shift starting ``starts`` from now; returns its id."""
    start = datetime.now(UTC) + starts
    with database.uow() as uow:
        shift = DriverShift(driver_id=world.drivers[driver], starts_at=start,
                            ends_at=start + timedelta(hours=hours), cancelled=False, version=1)
        uow.db.add(shift)
        uow.db.flush()
        shift_id = shift.id
        uow.commit()
    return shift_id


def approved_pickup(database: Database, order_id: int, *, hours_ahead: float = 2) -> int:
    """An approved return of one unit of ``order_id``'s first line with a pickup window
    (written directly: the returns flow itself is tested elsewhere)."""
    start = datetime.now(UTC) + timedelta(hours=hours_ahead)
    with database.uow() as uow:
        order = uow.db.get(Order, order_id)
        line = order.lines[0]
        ret = Return(order_id=order.id, warehouse_id=order.warehouse_id, status="approved",
                     resolution="refund", pickup_window_start=start,
                     pickup_window_end=start + 2 * HOUR, version=1,
                     lines=[ReturnLine(order_line_id=line.id, sku_id=line.sku_id, quantity=1,
                                       unit_price_minor=line.unit_price_minor, reason="damaged")])
        uow.db.add(ret)
        uow.db.flush()
        return_id = ret.id
        uow.commit()
    return return_id


def wait_for_worker() -> None:
    """Block until no plan of this process is queued or running."""
    assert worker.slots.wait_idle(DEADLINE_SECONDS), "plans still solving after the deadline"


def wait_for_plan(client, plan_id: int, headers: dict[str, str]) -> dict:
    """Poll ``GET /plans/{id}`` until the plan is done or failed."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        plan = client.get(f"/plans/{plan_id}", headers=headers).json()
        if plan["status"] not in ("queued", "running"):
            return plan
        time.sleep(0.1)
    raise AssertionError(f"plan {plan_id} still {plan['status']} after {DEADLINE_SECONDS} s")
