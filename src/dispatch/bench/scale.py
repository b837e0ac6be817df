"""The scale benchmark: large generated instances, each solved in a process of its own so
that a run past its time or memory can be stopped and its peak memory read.

A case is solved by ``python -m dispatch.bench.scale <file> <seconds> <method>``
(``solve_case``), the method being ``whole`` (one OR-Tools model) or ``decomposed``
(parts solved side by side, improved across borders). It writes one JSON line: when the
first complete plan existed, vehicles and distance as the independent checker counts
them, what was left unassigned, and the peak resident memory of its largest process (its
own since exec, or a search process's). The parent kills it (and its search processes)
after ``timeout`` seconds; a killed case's memory is then what ``wait4`` saw, an upper
bound that includes the parent's own memory, copied into the child before exec.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dispatch.bench.checker import check_solution
from dispatch.bench.convert import to_problem
from dispatch.bench.readers import read_instance
from dispatch.routing.solver import SolveParams, solve

METHODS = ("whole", "decomposed")


@dataclass(frozen=True)
class ScaleResult:
    name: str
    customers: int
    method: str
    time_limit: float
    status: str  # "ok", "timeout" or "error: ..."
    wall_seconds: float
    first_plan_seconds: float | None = None
    vehicles: int | None = None
    distance: float | None = None
    unassigned: int | None = None
    feasible: bool | None = None
    peak_memory_mb: float | None = None
    strategy: str | None = None  # what solved it: "decomposition", or the whole solve's search

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rank(self) -> tuple:
        """Hierarchical: a complete feasible answer, then vehicles, then distance."""
        complete = self.status == "ok" and self.feasible and self.unassigned == 0
        return (not complete, self.vehicles or 0, self.distance or 0.0)


def solve_case(path: Path, seconds: float, method: str = "decomposed") -> dict[str, Any]:
    """Solve one instance file here (hierarchical objective) and check the answer."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    instance = read_instance(path)
    params = SolveParams(time_limit=seconds, objective="hierarchical",
                         decompose_from=None if method == "whole" else 2)
    solution = solve(to_problem(instance), params)
    routes = [[int(stop_id) for stop_id in route.stop_ids] for route in solution.routes]
    check = check_solution(instance, routes)
    return {"customers": len(instance.customers),
            "first_plan_seconds": solution.stats.get("first_solution_seconds"),
            "vehicles": check.vehicles, "distance": check.distance,
            "unassigned": len(solution.unassigned), "feasible": check.feasible,
            "strategy": solution.stats.get("strategy"), "peak_memory_mb": own_peak_mb()}


def own_peak_mb() -> float:
    """The largest resident set of this process (since its exec) and of the search
    processes it forked. ``wait4`` in the parent would also count the parent's own memory,
    which the child held between fork and exec."""
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kb = max(peak_kb, int(line.split()[1]))
    return peak_kb / 1024


def run_case(path: Path, seconds: float, timeout: float,
             method: str = "decomposed") -> ScaleResult:
    """Solve ``path`` in a child process, stopped (with its searches) after ``timeout``."""
    customers = len(read_instance(path).customers)
    case = {"name": path.stem, "customers": customers, "method": method,
            "time_limit": seconds}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "dispatch.bench.scale", str(path), str(seconds), method],
            stdout=out, stderr=err, text=True, start_new_session=True)
        status, peak_mb = _wait(process, started + timeout)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        lines, errors = out.read().strip().splitlines(), err.read().strip().splitlines()
    if status is None:
        return ScaleResult(**case, status="timeout", wall_seconds=wall, peak_memory_mb=peak_mb)
    if status != 0 or not lines:
        last = (errors or ["no output"])[-1]
        return ScaleResult(**case, status=f"error: {last}"[:200], wall_seconds=wall,
                           peak_memory_mb=peak_mb)
    answer = json.loads(lines[-1])
    answer.pop("customers")
    return ScaleResult(**case, status="ok", wall_seconds=wall, **answer)


def _wait(process: subprocess.Popen, deadline: float) -> tuple[int | None, float]:
    """(exit code, or None when killed at the deadline; peak memory in MB). ``wait4``
    reports the largest resident set in the child's tree, counting what the child held
    of the parent between fork and exec: an upper bound."""
    code: int | None = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            _, _, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = -1 if code is None else code  # reaped here, not by Popen
    return code, usage.ru_maxrss / 1024


if __name__ == "__main__":
    answer = solve_case(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3])
    sys.stdout.write(json.dumps(answer) + "\n")
