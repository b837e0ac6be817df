"""The first split: stops into sectors around the depots, vehicles shared out among them.

Sectors (a sweep around the centre of the vehicles' starts) suit routes that leave a
depot and come back: a route rarely needs stops from two sectors far apart. The borders
are where a split costs quality, and the improvement rounds move them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dispatch.routing.decomposition.geometry import (
    bearings,
    chunk_by_weight,
    plane_coordinates,
    sweep_order,
)
from dispatch.routing.problem import Problem


@dataclass(frozen=True)
class Layout:
    """Where the problem's stops and vehicle starts lie on a plane, and its centre."""

    stop_xy: dict[str, np.ndarray]
    vehicle_xy: dict[str, np.ndarray]
    centre: np.ndarray

    @classmethod
    def of(cls, problem: Problem) -> Layout:
        points = [v.start for v in problem.vehicles] + [s.location for s in problem.stops]
        xy = plane_coordinates(points)
        starts = xy[: len(problem.vehicles)]
        return cls(
            stop_xy={s.id: xy[len(problem.vehicles) + i] for i, s in enumerate(problem.stops)},
            vehicle_xy={v.id: starts[i] for i, v in enumerate(problem.vehicles)},
            centre=starts.mean(axis=0))

    def centroid(self, stop_ids: list[str]) -> np.ndarray:
        return np.mean([self.stop_xy[s] for s in stop_ids], axis=0)


def units(problem: Problem) -> list[list[str]]:
    """What must stay in one part: a pickup with its delivery, every other stop alone."""
    pair_of = problem.pair_of()
    result, seen = [], set()
    for stop in problem.stops:
        if stop.id in seen:
            continue
        pair = pair_of.get(stop.id)
        unit = [pair.pickup, pair.delivery] if pair else [stop.id]
        seen.update(unit)
        result.append(unit)
    return result


def sectors(groups: list[list[str]], layout: Layout, parts: int,
            offset: float = 0.0) -> list[list[int]]:
    """Groups of stop ids (units, or routes) swept by the bearing of their centroid and cut
    into ``parts`` runs of about equal stop count; each run as indices into ``groups``."""
    if not groups:
        return []
    centroids = np.array([layout.centroid(g) for g in groups])
    order = sweep_order(bearings(centroids, layout.centre))
    runs = chunk_by_weight([len(groups[i]) for i in order], parts, offset)
    return [[int(order[position]) for position in run] for run in runs]


def share_vehicles(problem: Problem, parts: list[list[str]], layout: Layout) -> list[list[str]]:
    """Vehicles per part, in proportion to its stops (every part gets one), each vehicle to
    the nearest part that still has room: with several depots, vans serve their own area."""
    total = sum(len(p) for p in parts)
    fleet = len(problem.vehicles)
    exact = [fleet * len(p) / total for p in parts]
    quota = [max(1, math.floor(q)) for q in exact]
    by_remainder = sorted(range(len(parts)), key=lambda i: quota[i] - exact[i])
    for i in by_remainder[: max(0, fleet - sum(quota))]:
        quota[i] += 1
    while sum(quota) > fleet:
        # Small parts rounded up to one vehicle: the big parts give those back.
        givers = [k for k in range(len(parts)) if quota[k] > 1]
        if not givers:
            break
        quota[max(givers, key=lambda k: quota[k] - exact[k])] -= 1
    centroids = np.array([layout.centroid(p) for p in parts])
    starts = np.array([layout.vehicle_xy[v.id] for v in problem.vehicles])
    distance = np.linalg.norm(starts[:, None, :] - centroids[None, :, :], axis=2)
    shared: list[list[str]] = [[] for _ in parts]
    taken: set[int] = set()
    for flat in np.argsort(distance, axis=None, kind="stable"):
        v, part = divmod(int(flat), len(parts))
        if v not in taken and len(shared[part]) < quota[part]:
            shared[part].append(problem.vehicles[v].id)
            taken.add(v)
            if len(taken) == fleet:
                break
    return shared
