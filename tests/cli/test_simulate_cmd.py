"""``dispatch simulate``, run as a user would: a report on disk, one-line errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dispatch.cli.simulate_cmd import road_source
from dispatch.scenarios.loading import scenario_from_dict
from tests.cli.test_cli import ROOT, dispatch
from tests.scenarios.support import write_yaml
from tests.sim.support import small_day

MONACO = ROOT.parent / "shared" / "data" / "monaco.osm.pbf"


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


def test_seeds_runs_several_days_and_prints_their_mean(tmp_path):
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    out = tmp_path / "report"
    result = dispatch("simulate", scenario, "--seeds", "3-4", "--until", "12:30",
                      "--compare", "greedy", "--out", out)
    assert result.returncode == 0, result.stderr
    days = {(k, p): json.loads((out / f"seed{k}" / p / "kpis.json").read_text())
            for k in (3, 4) for p in ("planned", "greedy")}
    assert {days[k, p]["seed"] for k, p in days} == {3, 4}
    mean = (days[3, "planned"]["on_time_rate"] + days[4, "planned"]["on_time_rate"]) / 2
    row = next(line for line in result.stdout.splitlines() if "mean" in line)
    assert f"{mean:.1%}" in row


def test_bad_input_is_one_line(tmp_path):
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    missing = tmp_path / "missing.osm.pbf"
    for args, expected in ((["--until", "25:00"], "--until: expected a clock time HH:MM"),
                           (["--compare", "random"], "--policy/--compare: expected one of"),
                           (["--osm", missing], f"--osm: OSM file not found: {missing}"),
                           (["--seeds", "5-x"], "--seeds: expected a range like 1-5"),
                           ([], None)):
        target = scenario if expected else tmp_path / "missing.yaml"
        result = dispatch("simulate", target, *args, "--out", tmp_path / "out")
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr
        assert (expected or "missing.yaml") in lines[0]


def test_the_road_network_comes_from_osm_else_the_scenario(tmp_path, monkeypatch):
    """--osm wins over the scenario's road_network; --great-circle ignores it; a named
    file that is not there is an error that names the ways out."""
    monkeypatch.chdir(tmp_path)  # the scenario's path is relative to the current directory
    extract = tmp_path / "city.osm.pbf"
    extract.write_bytes(b"")
    plain = small_day()
    data = plain.model_dump(mode="json", by_alias=True)
    named = scenario_from_dict({**data, "road_network": {"osm": "city.osm.pbf"}})
    gone = scenario_from_dict({**data, "road_network": {"osm": "gone.osm.pbf"}})
    assert road_source(plain, "s.yaml", None, False) is None
    assert road_source(named, "s.yaml", None, False) == Path("city.osm.pbf")
    assert road_source(gone, "s.yaml", extract, False) == extract
    assert road_source(gone, "s.yaml", None, True) is None
    with pytest.raises(ValueError, match=r"^s\.yaml: road_network\.osm: OSM file not found: "
                                         r".*gone\.osm\.pbf \(pass --osm PATH, or --great-circle\)$"):
        road_source(gone, "s.yaml", None, False)
    with pytest.raises(ValueError, match="give one or the other"):
        road_source(plain, "s.yaml", extract, True)


@pytest.mark.needs_shared
def test_osm_runs_the_day_on_the_road_network(tmp_path):
    if not MONACO.is_file():
        pytest.skip(f"Monaco extract not found at {MONACO.resolve()} (needs ../shared/data)")
    scenario = write_yaml(tmp_path, small_day().model_dump(mode="json", by_alias=True))
    out = tmp_path / "report"
    result = dispatch("simulate", scenario, "--seed", "3", "--until", "12:00",
                      "--osm", MONACO, "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"travel: roads of {MONACO}" in result.stdout.replace("\n", "")
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["delivered"] > 0 and kpis["km_driven"] > 0
