"""A benchmark instance as read from its file, before it becomes a routing problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BenchNode:
    """One row of the instance file; ``id`` is the file's own node number (depot = row 0).

    For Li & Lim, ``pickup``/``delivery`` name the partner row (0 when absent); ``demand`` is
    positive at a pickup and negative at its delivery. For Solomon both stay 0.
    """

    id: int
    x: float
    y: float
    demand: float
    ready: float
    due: float
    service: float
    pickup: int = 0
    delivery: int = 0


@dataclass(frozen=True)
class BenchInstance:
    """Solomon VRPTW (``kind='vrptw'``) or Li & Lim PDPTW (``kind='pdptw'``)."""

    name: str
    kind: str
    vehicles: int
    capacity: float
    nodes: tuple[BenchNode, ...]

    @property
    def depot(self) -> BenchNode:
        return self.nodes[0]

    @property
    def customers(self) -> tuple[BenchNode, ...]:
        return self.nodes[1:]
