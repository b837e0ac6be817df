"""Solve benchmark instances with the service's own solver and check every answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dispatch.bench.bks import load_bks
from dispatch.bench.checker import check_solution
from dispatch.bench.convert import to_problem
from dispatch.bench.instance import BenchInstance
from dispatch.bench.readers import read_instance
from dispatch.routing.solver import SolveParams, solve

log = logging.getLogger(__name__)


@dataclass
class InstanceReport:
    """One solver's answer on one instance, as checked by the independent checker."""

    name: str
    solver: str
    vehicles: int
    distance: float
    feasible: bool
    seconds: float
    bks_vehicles: int | None = None
    bks_distance: float | None = None
    routes: list[list[int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def solve_instance(instance: BenchInstance, params: SolveParams) -> tuple[list[list[int]], float]:
    """Our routes as the file's node ids (depot left out), and the seconds taken."""
    started = time.perf_counter()
    solution = solve(to_problem(instance), params)
    routes = [[int(stop_id) for stop_id in route.stop_ids] for route in solution.routes]
    return routes, time.perf_counter() - started


def report(instance: BenchInstance, path: Path, solver: str, routes: list[list[int]],
           seconds: float, error: str | None = None) -> InstanceReport:
    check = check_solution(instance, routes)
    bks = load_bks(path)
    errors = ([error] if error else []) + check.errors
    return InstanceReport(
        name=instance.name, solver=solver, vehicles=check.vehicles, distance=check.distance,
        feasible=check.feasible and error is None, seconds=seconds,
        bks_vehicles=bks[0] if bks else None, bks_distance=bks[1] if bks else None,
        routes=routes, errors=errors[:20])


def run_instance(path: Path, params: SolveParams) -> InstanceReport:
    instance = read_instance(path)
    routes, seconds = solve_instance(instance, params)
    return report(instance, path, "dispatch", routes, seconds)


def summarise(reports: Iterable[InstanceReport]) -> dict[str, Any]:
    """CNV/CTD over all instances, and gaps to best-known over those that have one."""
    reports = list(reports)
    with_bks = [r for r in reports if r.bks_vehicles is not None]
    cnv = sum(r.vehicles for r in reports)
    ctd = sum(r.distance for r in reports)
    summary: dict[str, Any] = {
        "instances": len(reports),
        "feasible": sum(r.feasible for r in reports),
        "cnv": cnv,
        "ctd": round(ctd, 3),
        "seconds": round(sum(r.seconds for r in reports), 2),
    }
    if with_bks:
        bks_cnv = sum(r.bks_vehicles for r in with_bks)
        bks_ctd = sum(r.bks_distance for r in with_bks)
        ours_cnv = sum(r.vehicles for r in with_bks)
        ours_ctd = sum(r.distance for r in with_bks)
        summary |= {
            "bks_cnv": bks_cnv,
            "bks_ctd": round(bks_ctd, 3),
            "cnv_gap_pct": round(100 * (ours_cnv - bks_cnv) / bks_cnv, 2),
            "ctd_gap_pct": round(100 * (ours_ctd - bks_ctd) / bks_ctd, 2),
            "instances_at_bks_vehicles": sum(r.vehicles <= r.bks_vehicles for r in with_bks),
        }
    return summary


def head_to_head(ours: Iterable[InstanceReport], theirs: Iterable[InstanceReport]) -> dict:
    """Per-instance comparison in the hierarchical order (vehicles, then distance).

    Totals hide trade-offs: fewer vehicles usually cost distance, so also report the
    distance ratio over the instances where both used the same number of vehicles.
    """
    better = equal = worse = 0
    same_ours = same_theirs = 0.0
    for a, b in zip(ours, theirs, strict=True):
        mine, other = (a.vehicles, round(a.distance, 3)), (b.vehicles, round(b.distance, 3))
        if not b.feasible or (a.feasible and mine < other):
            better += 1
        elif a.feasible == b.feasible and mine == other:
            equal += 1
        else:
            worse += 1
        if a.feasible and b.feasible and a.vehicles == b.vehicles:
            same_ours += a.distance
            same_theirs += b.distance
    return {"better": better, "equal": equal, "worse": worse,
            "distance_ratio_same_vehicles": (round(same_ours / same_theirs, 4)
                                             if same_theirs else None)}
