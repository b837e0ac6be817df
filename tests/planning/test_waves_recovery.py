"""Plans no process will finish are failed (at start-up and when stuck), and the scheduler
thread runs passes, survives a failing one and stops cleanly. No solves here."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from dispatch.planning import recovery, waves
from dispatch.planning.scheduler import WaveScheduler
from tests.planning.waves_support import plan_row, read_plan, wave_settings

DEADLINE_SECONDS = 30.0


def _eventually(check, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {DEADLINE_SECONDS} s"
        time.sleep(0.02)


def test_plans_left_by_a_stopped_process_are_failed(database, world):
    mc = world.warehouses["MC"]
    start = datetime.now(UTC)
    before = start - timedelta(seconds=1)
    queued = plan_row(database, [mc], "queued", created_at=before)
    running = plan_row(database, [mc], "running", created_at=before)
    done = plan_row(database, [mc], "done", created_at=before)
    ours = plan_row(database, [mc], "queued", created_at=start)
    assert recovery.fail_interrupted_plans(database, created_before=start) == [queued, running]
    for plan_id in (queued, running):
        plan = read_plan(database, plan_id)
        assert (plan.status, plan.error, plan.version) == ("failed", recovery.INTERRUPTED, 2)
        assert plan.finished_at is not None
    assert read_plan(database, done).status == "done"
    assert read_plan(database, ours).status == "queued"
    assert recovery.fail_interrupted_plans(database, created_before=start) == []


def test_a_plan_unfinished_after_the_longest_search_is_failed(database, world):
    settings = wave_settings(database, plan_time_limit_max=10)
    now = datetime.now(UTC)
    limit = recovery.stuck_after(settings)
    assert limit == timedelta(seconds=15) + recovery.STUCK_MARGIN
    stuck = plan_row(database, [world.warehouses["MC"]], "running",
                     created_at=now - limit - timedelta(seconds=1))
    busy = plan_row(database, [world.warehouses["MC"]], "running",
                    created_at=now - limit + timedelta(seconds=1))
    assert recovery.fail_stuck_plans(database, settings, now=now) == [stuck]
    failed = read_plan(database, stuck)
    assert failed.status == "failed" and failed.error.startswith(recovery.INTERRUPTED)
    assert "135 s after it was queued" in failed.error
    assert read_plan(database, busy).status == "running"
    waves.run_due_waves(database, settings, now=now + timedelta(seconds=2))  # passes sweep too
    assert read_plan(database, busy).status == "failed"


def test_the_app_fails_interrupted_plans_when_it_starts(database, world):
    older = recovery.PROCESS_STARTED_AT - timedelta(minutes=1)
    left = plan_row(database, [world.warehouses["MC"]], "running", created_at=older)
    kept = plan_row(database, [world.warehouses["MC"]], "queued", created_at=older)
    mine = plan_row(database, [world.warehouses["MC"]], "queued")
    off = wave_settings(database, plan_recovery_on_start=False)
    with TestClient(create_app(off, database)):
        pass
    assert read_plan(database, left).status == "running"
    with TestClient(create_app(wave_settings(database), database)) as client:
        plan = client.get(f"/plans/{left}", headers=world.auth("dispatcher")).json()
        assert plan["status"] == "failed" and plan["error"] == recovery.INTERRUPTED
        assert client.app.state.wave_scheduler is None
    assert read_plan(database, kept).status == "failed"
    assert read_plan(database, mine).status == "queued"  # this process's own plan


def test_the_scheduler_thread_commits_a_done_wave_and_stops(database, world):
    plan_id = plan_row(database, [world.warehouses["MC"]], "done",
                       wave={"trigger": "test", "auto_commit": True})
    settings = wave_settings(database, wave_scheduler_enabled=True,
                             wave_scheduler_interval_seconds=0.05)
    with TestClient(create_app(settings, database)) as client:
        scheduler = client.app.state.wave_scheduler
        assert isinstance(scheduler, WaveScheduler) and scheduler._thread.is_alive()
        _eventually(lambda: read_plan(database, plan_id).status == "committed", "the commit")
        thread = scheduler._thread
    assert not thread.is_alive() and scheduler._thread is None
    passes = scheduler.passes
    time.sleep(0.2)
    assert scheduler.passes == passes  # stopped for good


def test_a_failing_pass_is_logged_and_the_next_tick_runs(database, monkeypatch, caplog):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("database away")

    monkeypatch.setattr(waves, "run_due_waves", broken)
    scheduler = WaveScheduler(database, wave_settings(database,
                                                      wave_scheduler_interval_seconds=0.01))
    with caplog.at_level(logging.ERROR, logger="dispatch.planning.scheduler"):
        scheduler.start()
        try:
            _eventually(lambda: len(calls) >= 3, "three passes")
            assert scheduler._thread.is_alive()
        finally:
            scheduler.stop()
    assert "wave scheduler pass failed" in caplog.text and "database away" in caplog.text
