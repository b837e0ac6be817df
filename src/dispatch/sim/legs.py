"""How a simulated driver gets from one place to the next: how far, how long at the
vehicle's default speed, and which way, so pings can be placed along the way taken.

The default, :class:`StraightLegs`, is the planner's default estimate (great circle ×
detour at the speed profile), so a planned leg and a driven one agree; ``sim.roads``
drives the legs on a road network instead.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Protocol

from dispatch.routing import GeoPoint, GreatCircleMatrix

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Leg:
    """``metres`` driven and ``seconds`` taken (before noise and the vehicle's speed
    factor) along ``path``, waypoints from start to end reached at ``times`` (seconds
    from the start: 0 first, ``seconds`` last)."""

    metres: float
    seconds: float
    path: tuple[LatLon, ...]
    times: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.path) < 2 or len(self.path) != len(self.times):
            raise ValueError("a leg needs a time for each of at least two waypoints")

    def position(self, share: float) -> LatLon:
        """Where the driver is once ``share`` (0 to 1) of the leg's time has passed."""
        if share <= 0.0:
            return self.path[0]
        if share >= 1.0:
            return self.path[-1]
        if len(self.path) == 2:  # a straight leg: that share of the way
            (lat1, lon1), (lat2, lon2) = self.path
            return lat1 + share * (lat2 - lat1), lon1 + share * (lon2 - lon1)
        at = share * self.times[-1]
        i = min(bisect_right(self.times, at), len(self.times) - 1)
        t1, t2 = self.times[i - 1], self.times[i]
        part = (at - t1) / (t2 - t1) if t2 > t1 else 1.0
        (lat1, lon1), (lat2, lon2) = self.path[i - 1], self.path[i]
        return lat1 + part * (lat2 - lat1), lon1 + part * (lon2 - lon1)


class LegSource(Protocol):
    """Anything that can tell a driver how to get from ``here`` to ``there``."""

    def leg(self, here: LatLon, there: LatLon) -> Leg: ...


@dataclass(frozen=True)
class StraightLegs:
    """The planning default: a straight line, great-circle distance × detour long."""

    matrix: GreatCircleMatrix = GreatCircleMatrix()

    def leg(self, here: LatLon, there: LatLon) -> Leg:
        travel = self.matrix.matrix([GeoPoint(*here), GeoPoint(*there)])
        metres, seconds = float(travel.distance[0, 1]), float(travel.duration[0, 1])
        return Leg(metres, seconds, (here, there), (0.0, seconds))
