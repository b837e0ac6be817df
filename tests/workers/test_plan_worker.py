"""Plans solved by real ``dispatch worker`` processes on the local Redis: the same plan as
in-process, a worker killed mid-solve (the task goes back on the queue and is solved
again), and a broker that cannot be reached (503, the plan failed, nothing left queued)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import select

from dispatch.planning import service, worker
from dispatch.planning.jobs import PlanningUnavailable
from dispatch.planning.models import Plan
from dispatch.planning.schemas import PlanCreate
from dispatch.settings import Settings
from tests.planning.plans_support import on_shift
from tests.support.routes import ready_order
from tests.support.world import CASINO, MONACO, seed_world
from tests.tracking.test_eta import FONTVIEILLE, LARVOTTO
from tests.workers.conftest import Worker

POINTS = (CASINO, LARVOTTO, FONTVIEILLE, MONACO, (43.7400, 7.4270), (43.7350, 7.4200))


@pytest.fixture
def operation(sqlite_database):
    world = seed_world(sqlite_database)
    for driver in ("ana", "bruno"):
        on_shift(sqlite_database, world, driver)
    for i, where in enumerate(POINTS):
        ready_order(sqlite_database, world, where=where, email=f"w{i}@example.com")
    return sqlite_database, world


def settings_for(database, broker: str | None, **values) -> Settings:
    return Settings(database_url=str(database.engine.url), broker_url=broker,
                    migrate_on_start=False, relay_enabled=False,
                    wave_scheduler_enabled=False, **values)


def plan_row(database, plan_id: int):
    """The plan's columns as they stand (a row, not a session-bound object)."""
    with database.read_uow() as uow:
        return uow.db.execute(select(Plan.status, Plan.attempts, Plan.job, Plan.result,
                                     Plan.error).where(Plan.id == plan_id)).one()


def wait_plan(database, plan_id: int, statuses: set[str], seconds: float = 90):
    deadline = time.monotonic() + seconds
    while (plan := plan_row(database, plan_id)).status not in statuses:
        assert time.monotonic() < deadline, f"plan {plan_id} still {plan.status}"
        time.sleep(0.2)
    return plan


def routes_of(plan) -> list[tuple[int, list]]:
    return [(r["driver_id"], [s.get("order_id") for s in r["stops"]])
            for r in plan.result["routes"]]


def test_a_worker_process_solves_the_plan_the_api_process_would(operation, broker_url,
                                                                workers, tmp_path):
    database, world = operation
    settings = settings_for(database, broker_url, plan_solution_limit=30)
    workers.append(Worker(str(database.engine.url), broker_url, tmp_path / "w.log"))
    body = PlanCreate(warehouse_ids=[world.warehouses["MC"]])
    queued = service.request_plan(database, body, world.principals["dispatcher"], settings)
    assert queued.status == "queued"
    on_worker = wait_plan(database, queued.id, {"done", "failed"})
    assert on_worker.status == "done", on_worker.error
    assert on_worker.attempts == 1 and on_worker.job is not None
    here = service.request_plan(database, body, world.principals["dispatcher"], settings,
                                runner=worker.run_inline)
    in_process = plan_row(database, here.id)
    assert routes_of(on_worker) == routes_of(in_process)
    assert sum(len(stops) for _, stops in routes_of(on_worker)) == len(POINTS)


def test_a_worker_killed_mid_solve_hands_the_plan_to_the_next_attempt(operation, broker_url,
                                                                      workers, tmp_path):
    database, world = operation
    settings = settings_for(database, broker_url)
    pool = Worker(str(database.engine.url), broker_url, tmp_path / "w.log")
    workers.append(pool)
    body = PlanCreate(warehouse_ids=[world.warehouses["MC"]], time_limit_seconds=6)
    queued = service.request_plan(database, body, world.principals["dispatcher"], settings)
    running = wait_plan(database, queued.id, {"running", "done", "failed"})
    assert running.status == "running" and running.attempts == 1
    [child] = pool.children()
    os.kill(child, signal.SIGKILL)  # the process solving it, mid-search
    done = wait_plan(database, queued.id, {"done", "failed"})
    assert done.status == "done", done.error
    assert done.attempts == 2
    assert sum(len(stops) for _, stops in routes_of(done)) == len(POINTS)


def test_an_unreachable_broker_is_503_and_leaves_no_plan_queued(operation):
    database, world = operation
    settings = settings_for(database, "redis://127.0.0.1:1/0")
    body = PlanCreate(warehouse_ids=[world.warehouses["MC"]])
    with pytest.raises(PlanningUnavailable) as refused:
        service.request_plan(database, body, world.principals["dispatcher"], settings)
    assert refused.value.status == 503
    failed = plan_row(database, refused.value.extra["plan_id"])
    assert failed.status == "failed" and failed.error.startswith("not queued")
    assert worker.slots.in_use == 0
