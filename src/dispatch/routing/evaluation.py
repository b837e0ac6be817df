"""Plan mode: timings, loads and violations of fixed routes, without re-optimising.

This is the single place schedules are computed: the solver's routes are re-timed here on
the unrounded matrix, and the ETA engine re-times live routes from a driver's position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.matrices.resolve import problem_matrix
from dispatch.routing.problem import Problem, check_routes
from dispatch.routing.solution import BreakTaken, Route, Solution, Unassigned, Violation, Visit
from dispatch.routing.stops import Stop, StopKind
from dispatch.routing.vehicles import Vehicle
from dispatch.routing.windows import earliest_start

TOLERANCE = 1e-6


def _start_load(problem: Problem, stop_ids: Sequence[str]) -> dict[str, float]:
    """Deliveries not paired with a pickup are on board when the vehicle leaves."""
    paired = problem.pair_of()
    load = dict.fromkeys(problem.dimensions, 0.0)
    for stop_id in stop_ids:
        stop = problem.stop(stop_id)
        if stop.kind is StopKind.DELIVERY and stop_id not in paired:
            for dim, amount in stop.demand.items():
                load[dim] += amount
    return load


class _RouteTimer:
    """Walks one vehicle's route, recording visits and the rules it breaks."""

    def __init__(self, problem: Problem, matrix: TravelMatrix, vehicle: Vehicle) -> None:
        self.problem = problem
        self.matrix = matrix
        self.vehicle = vehicle
        self.violations: list[Violation] = []
        self.breaks_taken: list[BreakTaken] = []
        self.pending_breaks = sorted(vehicle.breaks, key=lambda b: b.window.start)

    def travel(self, a: int, b: int) -> tuple[float, float]:
        return (
            float(self.matrix.distance[a, b]),
            float(self.matrix.duration[a, b]) / self.vehicle.speed_factor,
        )

    def take_breaks(self, now: float, next_travel: float, stop: Stop | None = None) -> float:
        """Take each break that is due before the vehicle could be done at the next place
        (``stop``, served after any wait for its window; None for the route's end)."""
        while self.pending_breaks:
            brk = self.pending_breaks[0]
            done = now + next_travel
            if stop is not None:
                begin = earliest_start(stop.windows, done)
                done = (done if begin is None else begin) + stop.service_time
            if now < brk.window.start and done <= brk.window.end:
                break
            start = max(now, brk.window.start)
            if start > brk.window.end + TOLERANCE:
                self.flag("break", f"break starts at {start:.0f}, after {brk.window.end:.0f}",
                          amount=start - brk.window.end)
            now = start + brk.duration
            self.breaks_taken.append(BreakTaken(start, now))
            self.pending_breaks.pop(0)
        return now

    def flag(self, kind: str, detail: str, stop_id: str | None = None, amount: float = 0.0):
        self.violations.append(Violation(self.vehicle.id, kind, detail, stop_id, amount))

    def run(self, stop_ids: Sequence[str]) -> Route:
        problem, vehicle = self.problem, self.vehicle
        node, end_node = problem.vehicle_nodes(vehicle.id)
        load = _start_load(problem, stop_ids)
        start_load = dict(load)
        self.check_capacity(load, None)
        now = vehicle.departure
        if stop_ids and vehicle.available_from is None and not vehicle.breaks:
            # Leave as late as possible without finishing later, as a dispatcher would.
            now += self.spare_start(stop_ids, now)
        start_time = now
        distance = waiting = late_cost = 0.0
        visits: list[Visit] = []
        for stop_id in stop_ids:
            stop = problem.stop(stop_id)
            target = problem.stop_node(stop_id)
            d, t = self.travel(node, target)
            now = self.take_breaks(now, t, stop)
            arrival = now + t
            distance += d
            begin = earliest_start(stop.windows, arrival)
            lateness = 0.0
            if begin is None:
                begin = arrival
                lateness = arrival - stop.windows[-1].end
                if stop.soft_close:
                    late_cost += lateness / 3600.0 * stop.late_cost_per_hour
                else:
                    self.flag("window", f"arrives {lateness:.1f} s after the window closes",
                              stop_id, lateness)
            if stop.skills - vehicle.skills:
                self.flag("skill", f"needs {sorted(stop.skills - vehicle.skills)}", stop_id)
            sign = 1.0 if stop.kind is StopKind.PICKUP else -1.0
            for dim, amount in stop.demand.items():
                load[dim] = load.get(dim, 0.0) + sign * amount
            self.check_capacity(load, stop_id)
            if not lateness:
                late_cost += stop.timing_cost(begin)
            waiting += begin - arrival
            now = begin + stop.service_time
            visits.append(Visit(stop_id, arrival, begin, now, begin - arrival, dict(load),
                                distance, lateness))
            node = target
        d, t = self.travel(node, end_node)
        now = self.take_breaks(now, t)
        end_time = now + t
        distance += d
        self.check_limits(stop_ids, start_time, end_time, distance)
        duration = end_time - start_time
        cost = (vehicle.fixed_cost + distance / 1000.0 * vehicle.cost_per_km
                + duration / 3600.0 * vehicle.cost_per_hour + late_cost)
        return Route(vehicle.id, tuple(visits), start_time, end_time, distance, waiting, cost,
                     tuple(self.breaks_taken), start_load)

    def spare_start(self, stop_ids: Sequence[str], now: float) -> float:
        """How long departure can be put off without a later end or a missed window.

        Putting it off by ``d`` moves stop i by ``d`` less the waiting up to it, so ``d`` is
        bounded by that waiting plus the room left in i's window, and by the total waiting.
        """
        problem = self.problem
        node = problem.vehicle_nodes(self.vehicle.id)[0]
        waited, spare = 0.0, float("inf")
        for stop_id in stop_ids:
            stop = problem.stop(stop_id)
            target = problem.stop_node(stop_id)
            arrival = now + self.travel(node, target)[1]
            begin = earliest_start(stop.windows, arrival)
            if begin is None:  # already late: any delay adds lateness
                begin = close = arrival
            else:
                close = next(w.end for w in stop.windows if arrival <= w.end + 1e-9)
                if stop.keeps_promise:  # keep the promise made...
                    close = max(begin, min(close, stop.promised_by))
                elif stop.close_margin:  # ...or the margin the plan left
                    close = max(begin, min(close, stop.windows[-1].end - stop.close_margin))
            waited += begin - arrival
            spare = min(spare, waited + close - begin)
            now = begin + stop.service_time
            node = target
        return max(0.0, min(spare, waited))

    def check_capacity(self, load: Mapping[str, float], stop_id: str | None) -> None:
        for dim, amount in load.items():
            cap = self.vehicle.capacity.get(dim)
            if cap is not None and amount > cap + TOLERANCE:
                self.flag("capacity", f"{dim} load {amount:g} exceeds capacity {cap:g}",
                          stop_id, amount - cap)

    def check_limits(self, stop_ids: Sequence[str], start: float, end: float, dist: float):
        vehicle = self.vehicle
        if end > vehicle.shift.end + TOLERANCE:
            self.flag("shift", f"returns {end - vehicle.shift.end:.1f} s after the shift ends",
                      amount=end - vehicle.shift.end)
        if vehicle.max_stops is not None and len(stop_ids) > vehicle.max_stops:
            self.flag("max_stops", f"{len(stop_ids)} stops > {vehicle.max_stops}")
        if vehicle.max_distance is not None and dist > vehicle.max_distance + TOLERANCE:
            self.flag("max_distance", f"{dist:.0f} > {vehicle.max_distance:.0f}",
                      amount=dist - vehicle.max_distance)
        if vehicle.max_duration is not None and end - start > vehicle.max_duration + TOLERANCE:
            self.flag("max_duration", f"{end - start:.0f} s > {vehicle.max_duration:.0f} s",
                      amount=end - start - vehicle.max_duration)


def _check_pairs(problem: Problem, plan: Mapping[str, Sequence[str]]) -> list[Violation]:
    where = {s: (v, i) for v, ids in plan.items() for i, s in enumerate(ids)}
    found: list[Violation] = []
    for pair in problem.pairs:
        p, d = where.get(pair.pickup), where.get(pair.delivery)
        if p is None and d is None:
            continue
        vehicle = (p or d)[0]
        if p is None or d is None or p[0] != d[0]:
            found.append(Violation(vehicle, "pair", f"{pair.pickup}/{pair.delivery} split",
                                   pair.delivery))
        elif p[1] > d[1]:
            found.append(Violation(vehicle, "pair", f"{pair.delivery} before {pair.pickup}",
                                   pair.delivery))
    return found


def evaluate(problem: Problem, plan: Mapping[str, Sequence[str]],
             matrix: TravelMatrix | None = None) -> Solution:
    """Time fixed routes (vehicle id -> ordered stop ids) and report every violation.

    A vehicle already on the road is described by its ``start`` (current position) and
    ``available_from`` (current time). Stops in no route are listed as unassigned.
    """
    matrix = matrix or problem_matrix(problem)
    check_routes(plan, {v.id for v in problem.vehicles}, {s.id for s in problem.stops}, "plan")
    seen = {s for stop_ids in plan.values() for s in stop_ids}
    routes, violations = [], _check_pairs(problem, plan)
    for vehicle_id, stop_ids in plan.items():
        if not stop_ids:
            continue
        timer = _RouteTimer(problem, matrix, problem.vehicle(vehicle_id))
        routes.append(timer.run(list(stop_ids)))
        violations.extend(timer.violations)
    unassigned = tuple(
        Unassigned(s.id, "not_planned", "not in any route") for s in problem.stops
        if s.id not in seen
    )
    return Solution(tuple(routes), unassigned, tuple(violations))
