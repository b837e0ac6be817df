"""The scale benchmark runs each case in a process of its own: answered and checked, or
stopped at its timeout with its searches."""

from __future__ import annotations

import json
import subprocess
import sys

from dispatch.bench.generator import InstanceSpec, generate, write_instance_file
from dispatch.bench.scale import run_case


def instance_file(tmp_path, customers: int = 30):
    return write_instance_file(generate(InstanceSpec(customers, "random", "tight")), tmp_path)


def test_a_case_is_solved_checked_and_measured(tmp_path):
    result = run_case(instance_file(tmp_path), seconds=1.0, timeout=60, method="whole")
    assert (result.status, result.customers, result.unassigned, result.feasible) == (
        "ok", 30, 0, True)
    assert result.vehicles >= 1 and result.distance > 0
    assert result.first_plan_seconds is not None and result.first_plan_seconds < 1.0
    assert 1.0 <= result.wall_seconds < 30
    # The solving process's own peak, not the test runner's (several hundred MB by now).
    assert 50 < result.peak_memory_mb < 400


def test_a_case_past_its_timeout_is_stopped(tmp_path):
    result = run_case(instance_file(tmp_path), seconds=60, timeout=2)
    assert (result.status, result.customers, result.vehicles) == ("timeout", 30, None)
    assert result.wall_seconds < 10


def test_a_timeout_shorter_than_the_search_is_a_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "dispatch", "bench-scale", "--sizes", "50",
                           "--time-limits", "10", "--timeout", "5", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--timeout: must be at least the longest time limit" in done.stderr


def test_both_methods_run_on_each_instance_and_the_json_says_which_is_which(tmp_path):
    out = tmp_path / "scale.json"
    done = subprocess.run([sys.executable, "-m", "dispatch", "bench-scale", "--sizes", "40",
                           "--layouts", "clustered", "--time-limits", "1",
                           "--methods", "whole,decomposed", "--timeout", "60",
                           "--out", str(tmp_path), "--json", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert [(r["method"], r["time_limit"], r["status"], r["unassigned"], r["feasible"])
            for r in results] == [("whole", 1.0, "ok", 0, True),
                                  ("decomposed", 1.0, "ok", 0, True)]
    assert results[0]["strategy"] != "decomposition"
    assert results[1]["strategy"] == "decomposition"


def test_an_unknown_method_is_a_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "dispatch", "bench-scale", "--sizes", "40",
                           "--methods", "split", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--methods: unknown value 'split'" in done.stderr
