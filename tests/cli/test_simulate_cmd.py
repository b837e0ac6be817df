"""``dispatch simulate``, run as a user would: a report on disk, one-line errors."""

from __future__ import annotations

import csv
import json

from tests.cli.test_cli import dispatch
from tests.scenarios.support import write_yaml
from tests.sim.support import small_day


def test_simulate_writes_kpis_events_and_a_map(tmp_path):
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    out = tmp_path / "report"
    result = dispatch("simulate", scenario, "--seed", "3", "--until", "13:30", "--out", out)
    assert result.returncode == 0, result.stderr
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["scenario"] == "tiny" and kpis["seed"] == 3 and kpis["delivered"] > 0
    with (out / "events.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"placed", "ready", "delivered", "completed"} <= {r["what"] for r in rows}
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    page = (out / "map.html").read_text()
    assert "leaflet" in page.lower() and "https://" not in page
    assert "on-time rate" in result.stdout and (out / "tiny-seed3.db").exists()


def test_compare_runs_both_policies_on_the_same_demand(tmp_path):
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    out = tmp_path / "report"
    result = dispatch("simulate", scenario, "--seed", "3", "--until", "13:00",
                      "--compare", "greedy", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "planned vs greedy (same demand)" in result.stdout
    planned = json.loads((out / "planned" / "kpis.json").read_text())
    greedy = json.loads((out / "greedy" / "kpis.json").read_text())
    assert planned["orders"] == greedy["orders"] > 0  # the same seeded demand


def test_bad_input_is_one_line(tmp_path):
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    for args, expected in ((["--until", "25:00"], "--until: expected a clock time HH:MM"),
                           (["--compare", "random"], "--policy/--compare: expected one of"),
                           ([], None)):
        target = scenario if expected else tmp_path / "missing.yaml"
        result = dispatch("simulate", target, *args, "--out", tmp_path / "out")
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr
        assert (expected or "missing.yaml") in lines[0]
