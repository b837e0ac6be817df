"""The plan a decomposition builds up: the best routes found so far for every part."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dispatch.routing.problem import Problem
from dispatch.routing.solution import Route, Solution, Unassigned, Violation
from dispatch.routing.solver.encoding import drop_penalty
from dispatch.routing.solver.scaling import COST_SCALE


@dataclass
class Assembly:
    """Routes by vehicle and unassigned stops by id; parts are swapped in when better."""

    problem: Problem
    objective: str
    routes: dict[str, Route] = field(default_factory=dict)
    unassigned: dict[str, Unassigned] = field(default_factory=dict)
    violations: dict[str, list[Violation]] = field(default_factory=dict)

    def score(self, routes: Iterable[Route], unassigned: Iterable[Unassigned]) -> tuple:
        """Required stops left out first, then (hierarchical) vehicles and distance, or
        cost with the optional stops' drop penalties."""
        routes, left = list(routes), [self.problem.stop(u.stop_id) for u in unassigned]
        required = sum(1 for s in left if s.required)
        if self.objective == "hierarchical":
            return (required, len(routes), round(sum(r.distance for r in routes), 6))
        optional = sum(drop_penalty(s, "cost") for s in left if not s.required) / COST_SCALE
        return (required, round(sum(r.cost for r in routes) + optional, 6))

    def current(self, stop_ids: Iterable[str], vehicle_ids: Iterable[str]) -> tuple:
        """The score of what the plan now does with these stops and vehicles."""
        routes = [self.routes[v] for v in vehicle_ids if v in self.routes]
        return self.score(routes, [self.unassigned[s] for s in stop_ids if s in self.unassigned])

    def offer(self, stop_ids: Iterable[str], vehicle_ids: Iterable[str],
              solution: Solution, first: bool = False) -> bool:
        """Take a part's new solution if it beats what the plan has for that part (the
        ``first`` solution of a part is taken as it is)."""
        stop_ids, vehicle_ids = list(stop_ids), list(vehicle_ids)
        if not first:
            before = self.current(stop_ids, vehicle_ids)
            if self.score(solution.routes, solution.unassigned) >= before:
                return False
        for vehicle_id in vehicle_ids:
            self.routes.pop(vehicle_id, None)
            self.violations.pop(vehicle_id, None)
        for stop_id in stop_ids:
            self.unassigned.pop(stop_id, None)
        self.routes.update((r.vehicle_id, r) for r in solution.routes)
        self.unassigned.update((u.stop_id, u) for u in solution.unassigned)
        for violation in solution.violations:
            self.violations.setdefault(violation.vehicle_id, []).append(violation)
        return True

    def solution(self, stats: dict) -> Solution:
        order = {v.id: i for i, v in enumerate(self.problem.vehicles)}
        routes = sorted(self.routes.values(), key=lambda r: order[r.vehicle_id])
        unassigned = sorted(self.unassigned.values(),
                            key=lambda u: self.problem.stop_node(u.stop_id))
        violations = [v for r in routes for v in self.violations.get(r.vehicle_id, ())]
        return Solution(tuple(routes), tuple(unassigned), tuple(violations),
                        objective=float(sum(r.cost for r in routes)), stats=stats)
