"""A scenario's operation as the simulator seeds it: what the file says, in the service."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dispatch.fleet.models import Driver, DriverShift
from dispatch.planning.waves import get_policy
from dispatch.scenarios.loading import scenario_from_dict
from dispatch.sim.setup import seed_operation
from dispatch.stock.models import StockLevel
from tests.scenarios.support import minimal

MIDNIGHT = datetime(2026, 6, 1, tzinfo=ZoneInfo("Europe/Monaco"))


def test_the_operation_is_seeded_as_the_scenario_says(database):
    scenario = scenario_from_dict(minimal(), source="tiny")
    op = seed_operation(database, scenario, MIDNIGHT)
    assert set(op.warehouses) == {"kitchen"} and set(op.skus) == {"PIZZA", "WATER"}
    assert [d.name for d in op.drivers] == ["bike-1", "bike-2", "hot-1"]
    with database.read_uow() as uow:
        db = uow.db
        levels = {row.sku_id: row.on_hand for row in db.scalars(select(StockLevel))}
        hot = db.execute(select(Driver.id, Driver.skills, Driver.vehicle)
                         .where(Driver.name == "hot-1")).one()
        shifts = db.execute(select(DriverShift.starts_at, DriverShift.ends_at)
                            .where(DriverShift.driver_id == hot.id)
                            .order_by(DriverShift.starts_at)).all()
    assert levels == {op.skus["PIZZA"]: 20, op.skus["WATER"]: 30}
    assert hot.skills == ["hot-bag"] and hot.vehicle == "bike"
    assert [(s.starts_at, s.ends_at) for s in shifts] == [
        (MIDNIGHT + timedelta(hours=10), MIDNIGHT + timedelta(hours=12)),
        (MIDNIGHT + timedelta(hours=12, minutes=30), MIDNIGHT + timedelta(hours=14))]
    # On demand: the simulated dispatcher plans as soon as anything is ready.
    policy = get_policy(database.uow(), op.warehouses["kitchen"])
    assert (policy.kind, policy.min_ready) == ("threshold", 1)
    assert op.dispatcher.role.value == "dispatcher" and op.drivers[0].principal.driver_id
