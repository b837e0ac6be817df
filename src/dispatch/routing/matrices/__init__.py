"""Matrix providers: great-circle, Euclidean and road network."""

from dispatch.routing.matrices.base import MatrixProvider, TravelMatrix
from dispatch.routing.matrices.euclidean import EuclideanMatrix
from dispatch.routing.matrices.great_circle import GreatCircleMatrix, SpeedProfile

__all__ = [
    "EuclideanMatrix",
    "GreatCircleMatrix",
    "MatrixProvider",
    "SpeedProfile",
    "TravelMatrix",
]
