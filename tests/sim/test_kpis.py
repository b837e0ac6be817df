"""The day's figures read from what the services recorded, beyond those ``test_run``
checks on a whole day."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatch.errors import DomainError
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.orders.schemas import PickIn
from dispatch.sim.kpis import day_kpis
from dispatch.sim.run import SimOptions, simulate
from tests.sim.support import small_day


def test_pick_mismatches_are_read_from_the_pick_records(sqlite_database):
    """The simulated pickers never mis-scan, so a mismatch is made by hand here: a pick
    of the wrong quantity is refused and counted, per 100 orders picked."""
    run = simulate(sqlite_database, small_day(), SimOptions(seed=3, until_minute=11 * 60 + 45))
    assert day_kpis(run).pick_mismatches_per_100 == 0.0
    with sqlite_database.read_uow() as uow:
        waiting = uow.db.scalars(select(Order).where(Order.status == "confirmed")
                                 .order_by(Order.id)).first()
        waiting_id = waiting.id
        wrong = PickIn.model_validate({"lines": [
            {"sku": line.sku_code, "quantity": line.quantity + 1} for line in waiting.lines]})
        picked = uow.db.scalar(select(func.count()).select_from(Order)
                               .where(Order.status != "confirmed"))
    with pytest.raises(DomainError, match="do not match"):
        lifecycle.pick(sqlite_database.uow(), waiting_id, wrong, run.operation.operator)
    assert picked > 0
    assert day_kpis(run).pick_mismatches_per_100 == pytest.approx(100 / (picked + 1))
