"""Fleet minimisation by ruin and recreate (after SISR, Christiaens & Vanden Berghe 2020).

OR-Tools' local search seldom empties a route; this does it directly: take a route's stops
out, then repeatedly ruin strings of nearby stops and greedily re-insert everything, keeping
a candidate when fewer stops are left out or when those left out have been absent less often
(so the hard stops get placed first). When nothing is left out, another route goes.
A single stop's insertion is checked in O(1) per position from earliest and latest service
times, for all positions at once; pairs are placed by :mod:`pair_insertion`.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from dispatch.routing.solver.fleet_arrays import FleetArrays
from dispatch.routing.solver.pair_insertion import Schedule, best_pair_position, route_schedule

log = logging.getLogger(__name__)

AVG_REMOVED = 10  # SISR's c-bar: mean number of stops a ruin removes
MAX_STRING = 10  # SISR's L-max: longest string cut from one route
BLINK = 0.01  # chance to skip a feasible position, for diversity
SORT_WEIGHTS = np.array([4, 4, 2, 1]) / 11  # random, demand, far, close


class _Plan:
    """Routes (lists of node numbers) plus stops left out, with schedule caches."""

    def __init__(self, data: FleetArrays, routes: list[list[int]], out: list[int]) -> None:
        self.data = data
        self.routes = routes
        self.out = out
        self._edges: list[tuple[np.ndarray, ...] | None] = [None] * len(routes)
        self._schedules: list[Schedule | None] = [None] * len(routes)
        self._flat: tuple[np.ndarray, ...] | None = None

    def copy(self) -> _Plan:
        clone = _Plan(self.data, [list(r) for r in self.routes], list(self.out))
        clone._edges = list(self._edges)
        clone._schedules = list(self._schedules)
        clone._flat = self._flat
        return clone

    def schedules(self) -> list[Schedule]:
        for r, cached in enumerate(self._schedules):
            if cached is None:
                self._schedules[r] = route_schedule(self.data, self.routes[r])
        return self._schedules  # type: ignore[return-value]

    def _changed(self, r: int) -> None:
        self._edges[r] = self._schedules[r] = None
        self._flat = None

    def flat(self) -> tuple[np.ndarray, ...]:
        """Every edge of every route side by side, with its route number and offset."""
        if self._flat is None:
            parts = [self.edges(r) for r in range(len(self.routes))]
            sizes = np.array([len(p[0]) for p in parts])
            self._flat = (
                *(np.concatenate([p[k] for p in parts]) for k in range(4)),
                np.repeat(np.arange(len(parts)), sizes),
                np.concatenate(([0], np.cumsum(sizes)[:-1])),
                np.array([p[4] for p in parts]),
            )
        return self._flat

    def edges(self, r: int) -> tuple[np.ndarray, ...]:
        """Tails, heads, departure from tail, latest start at head, load of route r."""
        cached = self._edges[r]
        if cached is None:
            cached = self._edges[r] = _route_edges(self.data, self.routes[r])
        return cached

    def insert(self, r: int, position: int, node: int) -> None:
        self.routes[r].insert(position, node)
        self._changed(r)

    def insert_pair(self, r: int, first: int, second: int, pickup: int, delivery: int) -> None:
        self.routes[r].insert(second, delivery)
        self.routes[r].insert(first, pickup)
        self._changed(r)

    def remove(self, r: int, node: int) -> None:
        self.routes[r].remove(node)
        self._changed(r)

    def cut(self, r: int, start: int, length: int) -> list[int]:
        removed = self.routes[r][start:start + length]
        del self.routes[r][start:start + length]
        self._changed(r)
        return removed


def _route_edges(data: FleetArrays, route: list[int]) -> tuple[np.ndarray, ...]:
    schedule = route_schedule(data, route)
    tails = np.array(schedule.seq[:-1])
    departure = np.array(schedule.start[:-1]) + data.service[tails]
    load = data.demand[route].sum(axis=0) if route else np.zeros_like(data.capacity)
    return tails, np.array(schedule.seq[1:]), departure, np.array(schedule.latest[1:]), load


class FleetMinimiser:
    """Tries to serve every stop of a plain VRPTW with fewer routes until a deadline."""

    def __init__(self, data: FleetArrays, seed: int = 0) -> None:
        self.data = data
        self.rng = np.random.default_rng(seed)
        customers = np.arange(1, data.size + 1)
        order = np.argsort(data.cost[np.ix_(customers, customers)], axis=1)
        self.neighbours = customers[order]  # row i-1: customers by distance from i

    def best_position(self, plan: _Plan, node: int) -> tuple[int, int] | None:
        data = self.data
        tails, heads, departure, latest, route_of, offsets, loads = plan.flat()
        begin = np.maximum(departure + data.travel[tails, node], data.ready[node])
        ok = begin <= data.due[node]
        after = np.maximum(begin + data.service[node] + data.travel[node, heads],
                           data.ready[heads])
        ok &= after <= latest
        ok &= np.all(loads + data.demand[node] <= data.capacity, axis=1)[route_of]
        ok &= self.rng.random(len(ok)) >= BLINK
        if not ok.any():
            return None
        delta = data.cost[tails, node] + data.cost[node, heads] - data.cost[tails, heads]
        best = int(np.argmin(np.where(ok, delta, np.iinfo(np.int64).max)))
        r = int(route_of[best])
        return r, best - int(offsets[r])

    def ruin(self, plan: _Plan) -> None:
        where = {node: r for r, route in enumerate(plan.routes) for node in route}
        if not where:
            return
        filled = [r for r in plan.routes if r]
        string_max = min(MAX_STRING, sum(map(len, filled)) / len(filled))
        routes_max = 4 * AVG_REMOVED / (1 + string_max) - 1
        to_ruin = int(self.rng.uniform(1, routes_max + 1))
        seed = int(self.rng.choice(list(where)))
        ruined: set[int] = set()
        for node in self.neighbours[seed - 1]:
            if len(ruined) >= to_ruin:
                break
            r = where.get(int(node))
            if r is None or r in ruined:
                continue
            route = plan.routes[r]
            length = int(self.rng.uniform(1, min(len(route), string_max) + 1))
            at = route.index(int(node))
            first = int(self.rng.integers(max(0, at - length + 1),
                                          min(at, len(route) - length) + 1))
            removed = plan.cut(r, first, length)
            plan.out.extend(removed)
            ruined.add(r)
            for gone in removed:
                partner = int(self.data.partner[gone])
                if partner and partner not in removed and partner in where:
                    owner = where.pop(partner)
                    plan.remove(owner, partner)
                    plan.out.append(partner)
                    ruined.add(owner)

    def recreate(self, plan: _Plan) -> None:
        data = self.data
        # Pairs go in as one request, named by the pickup.
        out = np.array([n for n in plan.out if data.is_pickup[n] or not data.partner[n]],
                       dtype=np.int64)
        how = self.rng.choice(4, p=SORT_WEIGHTS)
        if how == 0:
            self.rng.shuffle(out)
        elif how == 1:
            out = out[np.argsort(-np.abs(data.demand[out]).sum(axis=1), kind="stable")]
        else:
            far = data.cost[0, out]
            out = out[np.argsort(-far if how == 2 else far, kind="stable")]
        left: list[int] = []
        for node in out.tolist():
            partner = int(data.partner[node])
            if partner:
                pair_spot = best_pair_position(data, plan.schedules(), node, partner,
                                               self.rng, BLINK)
                if pair_spot is None:
                    left.extend((node, partner))
                else:
                    plan.insert_pair(*pair_spot, node, partner)
                continue
            spot = self.best_position(plan, node)
            if spot is None:
                left.append(node)
            else:
                plan.insert(spot[0], spot[1], node)
        plan.out = left

    def minimise(self, routes: list[list[int]], deadline: float,
                 stall_seconds: float = float("inf")) -> list[list[int]]:
        """Fewest routes found by the deadline that serve every stop (input if none).

        An attempt to close one more route is abandoned when the number of stops left out
        has not fallen for ``stall_seconds``, leaving the time to the distance polish.
        """
        best = [list(r) for r in routes if r]
        while len(best) > 1 and time.perf_counter() < deadline:
            victim = min(range(len(best)), key=lambda r: len(best[r]))
            current = _Plan(self.data, [r for i, r in enumerate(best) if i != victim],
                            list(best[victim]))
            absences = np.zeros(self.data.size + 1, dtype=np.int64)
            fewest, progress = len(current.out), time.perf_counter()
            while current.out and time.perf_counter() < min(deadline, progress + stall_seconds):
                candidate = current.copy()
                self.ruin(candidate)
                self.recreate(candidate)
                if (len(candidate.out) < len(current.out)
                        or absences[candidate.out].sum() < absences[current.out].sum()):
                    current = candidate
                absences[current.out] += 1
                if len(current.out) < fewest:
                    fewest, progress = len(current.out), time.perf_counter()
                    log.debug("%d routes: %d stops left out", len(current.routes), fewest)
            if current.out:
                break
            best = [r for r in current.routes if r]
        return best
