"""The ``dispatch`` console script, run as a user would (a real subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "problems" / "restaurant-lunch.yaml"
SOLOMON = ROOT.parent / "shared" / "benchmarks" / "solomon"
LILIM = ROOT.parent / "shared" / "benchmarks" / "lilim100"


def dispatch(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dispatch", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=240)


def test_solve_writes_plan_and_offline_map(tmp_path):
    """`dispatch solve` plans the default scenario and writes JSON and an offline map."""
    out, page = tmp_path / "plan.json", tmp_path / "plan.html"
    result = dispatch("solve", SCENARIO, "--time-limit", "2", "--workers", "1",
                      "--out", out, "--map", page)
    assert result.returncode == 0, result.stderr
    plan = json.loads(out.read_text())
    served = sum(len(r["visits"]) for r in plan["routes"])
    assert served + len(plan["unassigned"]) == 50
    html = page.read_text()
    assert "https://" not in html and "http://" not in html
    for route in plan["routes"]:
        assert route["vehicle_id"] in html


def test_bad_problem_file_gives_one_line_error(tmp_path):
    """Bad input: a one-line message naming the field and a non-zero exit, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("vehicles: [{id: v, start: {lat: 99, lon: 0}, shift: [0, 10]}]\nstops: []\n")
    result = dispatch("solve", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "vehicles[0].start" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_gives_one_line_error(tmp_path):
    """A missing problem file is a clear error too."""
    result = dispatch("solve", tmp_path / "nope.yaml")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


@pytest.mark.needs_shared
def test_bench_checks_solutions_and_writes_json(tmp_path):
    """`dispatch bench` on Solomon and Li & Lim files: feasible, BKS columns, routes by node id."""
    if not SOLOMON.exists():
        pytest.skip(f"shared benchmark data not found at {SOLOMON}")
    out = tmp_path / "bench.json"
    result = dispatch("bench", SOLOMON / "C101.txt", LILIM / "lc101.txt", "--time-limit", "1",
                      "--workers", "1", "--json", out)
    assert result.returncode == 0, result.stderr + result.stdout
    data = json.loads(out.read_text())
    names = [i["name"] for i in data["instances"]]
    assert names == ["C101", "lc101"]
    for item in data["instances"]:
        assert item["feasible"]
        assert item["bks_vehicles"] == 10
        visited = sorted(n for route in item["routes"] for n in route)
        assert visited == list(range(1, len(visited) + 1))
    assert data["summary"]["feasible"] == 2
    assert "cnv_gap_pct" in data["summary"]


def test_bench_rejects_unknown_peer(tmp_path):
    """--compare with an unknown solver name is a one-line error."""
    if not SOLOMON.exists():
        pytest.skip(f"shared benchmark data not found at {SOLOMON}")
    result = dispatch("bench", SOLOMON / "C101.txt", "--compare", "gurobi")
    assert result.returncode == 2
    assert "unknown peer 'gurobi'" in result.stderr
