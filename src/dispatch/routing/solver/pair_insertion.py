"""Cheapest feasible insertion of a pickup-and-delivery pair into a set of routes.

For each route, the pickup is tried after every position; from there the changed service
times are walked forward, and the delivery is tried after each position reached, stopping as
soon as a window or the capacity breaks (so tight windows prune most of the work).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from dispatch.routing.solver.fleet_arrays import FleetArrays


@dataclass(frozen=True)
class Schedule:
    """One route as node sequence (depot at both ends), earliest and latest service starts,
    and the load after each position."""

    seq: list[int]
    start: list[int]
    latest: list[int]
    load: list[tuple[int, ...]]


def route_schedule(data: FleetArrays, route: list[int]) -> Schedule:
    seq = [0, *route, 0]
    travel, service, ready, due = data.travel, data.service, data.ready, data.due
    start = [int(ready[0])]
    for prev, node in pairwise(seq):
        start.append(max(start[-1] + int(service[prev]) + int(travel[prev, node]),
                         int(ready[node])))
    latest = [int(due[0])]
    for node, nxt in reversed(list(pairwise(seq))):
        latest.append(min(int(due[node]),
                          latest[-1] - int(service[node]) - int(travel[node, nxt])))
    latest.reverse()
    loads = np.cumsum(data.demand[seq], axis=0)
    return Schedule(seq, start, latest, [tuple(row) for row in loads.tolist()])


def best_pair_position(data: FleetArrays, schedules: list[Schedule], pickup: int,
                       delivery: int, rng: np.random.Generator,
                       blink: float) -> tuple[int, int, int] | None:
    """(route, pickup position, delivery position) of the cheapest feasible insertion.

    Positions are edge numbers of the original route: the pickup goes after ``seq[i]`` and
    the delivery after ``seq[j]`` (``j >= i``; ``j == i`` puts it right after the pickup).
    """
    travel, cost, service = data.travel, data.cost, data.service
    ready, due = data.ready, data.due
    cap = tuple(int(c) for c in data.capacity)
    q = tuple(int(x) for x in data.demand[pickup])
    rp, dp, sp = int(ready[pickup]), int(due[pickup]), int(service[pickup])
    rd, dd, sd = int(ready[delivery]), int(due[delivery]), int(service[delivery])
    best: tuple[int, int, int] | None = None
    best_cost = None
    for r, sch in enumerate(schedules):
        seq, start, latest, load = sch.seq, sch.start, sch.latest, sch.load
        for i in range(len(seq) - 1):
            x = seq[i]
            if any(load[i][k] + q[k] > cap[k] for k in range(len(cap))):
                continue
            begin_p = max(start[i] + int(service[x]) + int(travel[x, pickup]), rp)
            if begin_p > dp:
                continue
            add_p = int(cost[x, pickup]) + int(cost[pickup, seq[i + 1]]) - int(cost[x, seq[i + 1]])
            # Delivery right after the pickup.
            prev, depart = pickup, begin_p + sp
            j = i
            while True:
                y = seq[j + 1]
                begin_d = max(depart + int(travel[prev, delivery]), rd)
                if begin_d <= dd and rng.random() >= blink:
                    after = max(begin_d + sd + int(travel[delivery, y]), int(ready[y]))
                    if after <= latest[j + 1]:
                        if j == i:
                            extra = (int(cost[x, pickup]) + int(cost[pickup, delivery])
                                     + int(cost[delivery, y]) - int(cost[x, y]))
                        else:
                            extra = add_p + (int(cost[prev, delivery]) + int(cost[delivery, y])
                                             - int(cost[prev, y]))
                        if best_cost is None or extra < best_cost:
                            best_cost, best = extra, (r, i, j)
                if y == 0:
                    break
                # Move past y: serve it with the pickup on board.
                arrive = max(depart + int(travel[prev, y]), int(ready[y]))
                if arrive > due[y] or begin_d > dd:
                    break
                if any(load[j + 1][k] + q[k] > cap[k] for k in range(len(cap))):
                    break
                prev, depart, j = y, arrive + int(service[y]), j + 1
    return best
