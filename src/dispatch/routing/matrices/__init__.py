"""Matrix providers: great-circle, Euclidean and road network."""

from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.matrices.euclidean import EuclideanMatrix
from dispatch.routing.matrices.great_circle import GreatCircleMatrix, SpeedProfile
from dispatch.routing.matrices.road import RoadMatrix, RoadNetwork

__all__ = [
    "EuclideanMatrix",
    "GreatCircleMatrix",
    "MatrixProvider",
    "RoadMatrix",
    "RoadNetwork",
    "SpeedProfile",
    "TravelMatrix",
]
