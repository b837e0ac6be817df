"""Plans solved inline (the day simulator's way): done when the request returns, stamped
with the simulated clock, and the same inputs give the same plan."""

from __future__ import annotations

from datetime import timedelta

from dispatch.common import clock
from dispatch.db.base import utcnow
from dispatch.planning import service, waves, worker
from dispatch.planning.schemas import PlanCreate
from tests.planning.plans_support import on_shift
from tests.planning.waves_support import set_policy, wave_settings
from tests.support.routes import ready_order
from tests.support.world import CASINO
from tests.tracking.test_eta import FONTVIEILLE, LARVOTTO


def _day(database, world):
    for driver in ("ana", "bruno"):
        on_shift(database, world, driver)
    for i, where in enumerate((CASINO, LARVOTTO, FONTVIEILLE, CASINO)):
        ready_order(database, world, where=where, email=f"c{i}@example.com")


def _plan(database, world, settings):
    cmd = PlanCreate(warehouse_ids=[world.warehouses["MC"]], time_limit_seconds=5)
    queued = service.request_plan(database, cmd, world.principals["dispatcher"], settings,
                                  runner=worker.run_inline)
    return service.get_plan(database, queued.id)


def test_an_inline_plan_is_done_on_return_and_reproducible(database, world):
    _day(database, world)
    settings = wave_settings(database, plan_solution_limit=50)
    first, second = _plan(database, world, settings), _plan(database, world, settings)
    assert first.status == second.status == "done"
    assert first.kpis.stops == 4 and first.kpis.unassigned == 0

    def layout(plan):
        return [(r.driver_id, [s.order_id for s in r.stops]) for r in plan.routes]

    assert layout(first) == layout(second)


def test_a_simulated_clock_stamps_the_inline_plan(database, world):
    _day(database, world)
    at = utcnow() + timedelta(minutes=30)
    with clock.simulated(lambda: at):
        plan = _plan(database, world, wave_settings(database, plan_solution_limit=20))
    assert plan.started_at == plan.finished_at == plan.origin_at == at


def test_due_waves_can_be_solved_inline(database, world):
    _day(database, world)
    set_policy(database, world.warehouses["MC"], kind="threshold", min_ready=2)
    settings = wave_settings(database, plan_solution_limit=20)
    [plan_id] = waves.run_due_waves(database, settings, now=utcnow(), runner=worker.run_inline)
    assert service.get_plan(database, plan_id).status == "done"
