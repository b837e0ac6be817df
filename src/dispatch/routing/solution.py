"""Routes with timings, what was left out and why, and totals; round-trips through JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Visit:
    """One stop on a route: when the vehicle gets there, serves it and leaves."""

    stop_id: str
    arrival: float
    start: float
    departure: float
    waiting: float
    load: Mapping[str, float]
    distance: float
    lateness: float = 0.0


@dataclass(frozen=True, slots=True)
class BreakTaken:
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Violation:
    """A constraint a fixed plan breaks (plan mode reports these instead of re-optimising)."""

    vehicle_id: str
    kind: str
    detail: str
    stop_id: str | None = None
    amount: float = 0.0


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A stop no route serves, with the binding constraint that kept it out."""

    stop_id: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Route:
    vehicle_id: str
    visits: tuple[Visit, ...]
    start_time: float
    end_time: float
    distance: float
    waiting: float
    cost: float
    breaks: tuple[BreakTaken, ...] = ()
    start_load: Mapping[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    @property
    def stop_ids(self) -> tuple[str, ...]:
        return tuple(v.stop_id for v in self.visits)


@dataclass(frozen=True)
class Solution:
    """The answer to a :class:`~dispatch.routing.problem.Problem`.

    Routes with no visits are left out. ``objective`` is the solver's own (scaled) value;
    ``stats`` carries search facts such as seconds, strategy and seed.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    violations: tuple[Violation, ...] = ()
    objective: float = 0.0
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def vehicles_used(self) -> int:
        return len(self.routes)

    @property
    def distance(self) -> float:
        return sum(r.distance for r in self.routes)

    @property
    def duration(self) -> float:
        return sum(r.duration for r in self.routes)

    @property
    def cost(self) -> float:
        return sum(r.cost for r in self.routes)

    @property
    def feasible(self) -> bool:
        return not self.violations

    def route_of(self, vehicle_id: str) -> Route | None:
        return next((r for r in self.routes if r.vehicle_id == vehicle_id), None)

    def kpis(self) -> dict[str, float]:
        served = sum(len(r.visits) for r in self.routes)
        return {
            "vehicles": self.vehicles_used,
            "stops_served": served,
            "stops_unassigned": len(self.unassigned),
            "distance": self.distance,
            "duration": self.duration,
            "waiting": sum(r.waiting for r in self.routes),
            "lateness": sum(v.lateness for r in self.routes for v in r.visits),
            "cost": self.cost,
            "stops_per_route": served / self.vehicles_used if self.routes else 0.0,
        }

    def to_dict(self) -> dict[str, Any]:
        def route_dict(route: Route) -> dict[str, Any]:
            data = asdict(route)
            data["start_load"] = dict(route.start_load)
            data["visits"] = [{**asdict(v), "load": dict(v.load)} for v in route.visits]
            return data

        return {
            "routes": [route_dict(r) for r in self.routes],
            "unassigned": [asdict(u) for u in self.unassigned],
            "violations": [asdict(v) for v in self.violations],
            "objective": self.objective,
            "stats": dict(self.stats),
            "kpis": self.kpis(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        routes = tuple(
            Route(
                vehicle_id=r["vehicle_id"],
                visits=tuple(Visit(**v) for v in r["visits"]),
                start_time=r["start_time"],
                end_time=r["end_time"],
                distance=r["distance"],
                waiting=r["waiting"],
                cost=r["cost"],
                breaks=tuple(BreakTaken(**b) for b in r.get("breaks", ())),
                start_load=r.get("start_load", {}),
            )
            for r in data.get("routes", ())
        )
        return cls(
            routes=routes,
            unassigned=tuple(Unassigned(**u) for u in data.get("unassigned", ())),
            violations=tuple(Violation(**v) for v in data.get("violations", ())),
            objective=data.get("objective", 0.0),
            stats=data.get("stats", {}),
        )
