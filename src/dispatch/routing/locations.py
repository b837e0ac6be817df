"""Where things are: WGS84 points for real deliveries, planar points for benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass


def _finite(name: str, value: float) -> float:
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        lat = _finite("lat", self.lat)
        lon = _finite("lon", self.lon)
        if not -90.0 <= lat <= 90.0:
            raise ValueError(f"lat must lie in [-90, 90], got {lat}")
        if not -180.0 <= lon <= 180.0:
            raise ValueError(f"lon must lie in [-180, 180], got {lon}")
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)


@dataclass(frozen=True, slots=True)
class PlanarPoint:
    """A point on a plane (benchmark instances measure Euclidean distance)."""

    x: float
    y: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", _finite("x", self.x))
        object.__setattr__(self, "y", _finite("y", self.y))


Location = GeoPoint | PlanarPoint


def parse_location(value: object, field: str = "location") -> Location:
    """Build a location from a mapping ``{lat, lon}`` / ``{x, y}`` or a point object."""
    if isinstance(value, (GeoPoint, PlanarPoint)):
        return value
    if isinstance(value, dict):
        try:
            if "lat" in value or "lon" in value:
                return GeoPoint(value["lat"], value["lon"])
            if "x" in value or "y" in value:
                return PlanarPoint(value["x"], value["y"])
        except KeyError as exc:
            raise ValueError(f"{field}: missing coordinate {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{field}: {exc}") from None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            return GeoPoint(value[0], value[1])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{field}: {exc}") from None
    raise ValueError(f"{field}: expected {{lat, lon}} or {{x, y}}, got {value!r}")
