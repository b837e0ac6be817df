"""`dispatch report` as an operator runs it against the service's SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.analytics.kpi_support import drive_a_route
from tests.cli.test_service_cmds import dispatch
from tests.support.world import seed_world


def test_the_report_of_a_driven_day(sqlite_database, tmp_path):
    world = seed_world(sqlite_database)
    t0, _ = drive_a_route(sqlite_database, world)
    url = str(sqlite_database.engine.url)
    first, last = t0.date() - timedelta(days=1), datetime.now(UTC).date()
    result = dispatch("report", "--from", first, "--to", last, "--html", "out/r.html",
                      "--json", "out/r.json", "--url", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "33.3%" in result.stdout and "out/r.html" in result.stdout
    assert "<svg" in (tmp_path / "out" / "r.html").read_text()
    body = json.loads((tmp_path / "out" / "r.json").read_text())
    assert body["from"] == first.isoformat() and body["group_by"] == "day"
    assert body["overall"]["orders"] == 3
    assert sum(g["kpis"]["orders"] for g in body["groups"]) == 3


def test_bad_periods_are_one_line_errors(tmp_path):
    env = {"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/dispatch.db"}
    reversed_ = dispatch("report", "--from", "2026-11-02", "--to", "2026-11-01", cwd=tmp_path,
                         env=env)
    assert reversed_.returncode == 2
    assert reversed_.stderr.strip() == "error: to: to must not be before from"
    not_a_date = dispatch("report", "--from", "yesterday", "--to", "2026-11-01", cwd=tmp_path,
                          env=env)
    assert not_a_date.returncode == 2 and "--from" in not_a_date.stderr
    assert "Traceback" not in reversed_.stderr + not_a_date.stderr


def test_a_database_never_migrated_is_a_one_line_error(tmp_path):
    env = {"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = dispatch("report", "--from", "2026-11-01", "--to", "2026-11-02", cwd=tmp_path,
                      env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is it migrated? (dispatch db upgrade)" in result.stderr
