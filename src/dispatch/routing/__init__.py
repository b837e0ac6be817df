"""Routing core: a pure library from a delivery problem to routes with ETAs.

>>> from dispatch.routing import Problem, Vehicle, Stop, TimeWindow, GeoPoint, solve
"""

from dispatch.routing.evaluation import evaluate
from dispatch.routing.locations import GeoPoint, PlanarPoint
from dispatch.routing.matrices import EuclideanMatrix, GreatCircleMatrix, TravelMatrix
from dispatch.routing.problem import Depot, Locks, Problem
from dispatch.routing.solution import Route, Solution, Unassigned, Violation, Visit
from dispatch.routing.solver import SolveParams, solve
from dispatch.routing.stops import Pair, Stop, StopKind
from dispatch.routing.vehicles import Break, Vehicle
from dispatch.routing.windows import TimeWindow

__all__ = [
    "Break", "Depot", "EuclideanMatrix", "GeoPoint", "GreatCircleMatrix", "Locks", "Pair",
    "PlanarPoint", "Problem", "Route", "Solution", "SolveParams", "Stop", "StopKind",
    "TimeWindow", "TravelMatrix", "Unassigned", "Vehicle", "Violation", "Visit", "evaluate",
    "solve",
]
