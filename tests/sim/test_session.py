"""The day read back as rows: a fresh SQLite file per run, and rows that add up to the
day's KPIs (the notebook's charts explain the KPI table only if they do)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from dispatch.orders.models import Order
from dispatch.sim.kpis import day_kpis
from dispatch.sim.run import SimOptions
from dispatch.sim.session import (
    OUTCOMES,
    busy_share,
    clock_minute,
    driver_days,
    eta_errors,
    fresh_sqlite,
    order_outcomes,
    simulate_to_db,
)
from tests.sim.support import small_day


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The small day with noisy travel and doorsteps nobody answers. What is checked
    holds for any plan: a second of search per wave is plenty."""
    scenario = small_day(travel_time_cv=0.3, not_home_rate=0.2)
    path = tmp_path_factory.mktemp("session") / "day.db"
    run = simulate_to_db(path, scenario,
                         SimOptions(seed=5, solution_limit=5, plan_time_limit=1.0))
    yield run, day_kpis(run)
    run.database.dispose()


def test_each_order_has_one_outcome_and_they_add_up_to_the_kpis(day):
    run, kpis = day
    rows = order_outcomes(run)
    count = Counter(row.outcome for row in rows)
    assert len(rows) == kpis.orders and set(count) <= set(OUTCOMES)
    assert count["refused"] == kpis.refused
    assert count["on time"] + count["late"] == kpis.delivered
    accepted = kpis.orders - kpis.refused - count["cancelled"]
    assert count["on time"] / accepted == pytest.approx(kpis.on_time_rate)
    served = [row for row in rows if row.began is not None]
    assert served and all((row.slack_min >= 0) == (row.outcome == "on time") for row in served)
    lateness = [max(0.0, -row.slack_min) for row in served]
    assert sum(lateness) / len(lateness) == pytest.approx(kpis.lateness_mean_min)
    assert all(row.window_start <= row.began for row in served)
    assert {row.began.tzinfo for row in served} == {run.day_start.tzinfo}  # local times


def test_eta_errors_and_driver_days_are_the_kpis_figures(day):
    run, kpis = day
    every = eta_errors(run)
    errors = [e for e in every if e.lead_min <= 60]  # the headline: the last hour's ETAs
    assert len(every) >= len(errors) == kpis.eta_samples > 0
    mean_abs = sum(abs(e.error_min) for e in errors) / len(errors)
    assert mean_abs == pytest.approx(kpis.eta_mae_min)
    assert sum(abs(e.error_min) for e in every) / len(every) == pytest.approx(
        kpis.eta_mae_all_min)
    assert all(e.lead_min >= e.error_min for e in errors)  # shown before its ETA came
    drivers = driver_days(run)
    assert [d.driver for d in drivers] == [d.name for d in run.operation.drivers]
    assert sum(d.km for d in drivers) == pytest.approx(kpis.km_driven)
    assert sum(d.deliveries for d in drivers) == kpis.delivered
    busy, shift = sum(d.busy_min for d in drivers), sum(d.shift_min for d in drivers)
    assert busy / shift == pytest.approx(kpis.driver_utilisation)
    hot = next(d for d in drivers if d.driver.startswith("hot"))
    assert hot.shift_min == 120 + 90  # two shifts, a lunch break between


def test_busy_share_over_the_whole_span_is_the_utilisation(day):
    """Per quarter hour the shares vary within 0..1; in one slot spanning the day they
    are the utilisation, since every ride, doorstep and shift fits in the simulated span."""
    run, kpis = day
    slots = busy_share(run)
    starts = [start for start, _ in slots]
    assert starts[0] == run.started and starts[-1] < run.ended
    assert {(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)} == {15 * 60}
    assert all(0.0 <= share <= 1.0 for _, share in slots)
    assert slots[0][1] == 0.0 < max(share for _, share in slots)  # nobody rides at 10:00
    [(start, share)] = busy_share(run, every=run.ended - run.started)
    assert start == run.started and share == pytest.approx(kpis.driver_utilisation)


def test_a_fresh_database_replaces_what_an_earlier_run_left(tmp_path):
    path = tmp_path / "day.db"
    path.write_bytes(b"not a database")
    path.with_name("day.db-wal").write_bytes(b"stale log")
    database = fresh_sqlite(path)
    with database.read_uow() as uow:
        assert uow.db.scalar(select(func.count()).select_from(Order)) == 0
    database.dispose()
    options = SimOptions(seed=5, solution_limit=5, plan_time_limit=1.0,
                         until_minute=clock_minute("11:30"))
    for _ in range(2):  # the second run starts from an empty database again
        run = simulate_to_db(path, small_day(), options)
        with run.database.read_uow() as uow:
            assert uow.db.scalar(select(func.count()).select_from(Order)) == len(run.placed) > 0
        outcomes = {row.outcome for row in order_outcomes(run)}
        run.database.dispose()
        assert outcomes == {"not delivered"}  # placed by 11:30, none due yet


@pytest.mark.parametrize(("text", "minute"), [("12:15", 735), ("7:05", 425), ("00:00", 0),
                                              (" 23:59 ", 1439)])
def test_clock_minute_reads_a_clock_time(text, minute):
    assert clock_minute(text) == minute


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "12h15", ""])
def test_clock_minute_refuses_anything_else(text):
    with pytest.raises(ValueError, match="expected a clock time HH:MM"):
        clock_minute(text)
