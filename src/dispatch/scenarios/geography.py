"""Where customers are: uniform points inside zones (circles, boxes) or at fixed points."""

from __future__ import annotations

import numpy as np

from dispatch.common.geo import EARTH_RADIUS_KM, haversine_km
from dispatch.scenarios.demand_schema import Demand, Zone

EARTH_RADIUS_M = EARTH_RADIUS_KM * 1000


def sample_places(demand: Demand, rng: np.random.Generator,
                  n: int) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """``n`` places drawn by weight: latitudes, longitudes and the zone (or point) names."""
    areas = demand.zones if demand.zones is not None else demand.points
    assert areas is not None  # the schema requires zones or points
    weights = np.array([a.weight for a in areas], dtype=float)
    picked = rng.choice(len(areas), size=n, p=weights / weights.sum())
    lats, lons = np.empty(n), np.empty(n)
    for index, area in enumerate(areas):
        mask = picked == index
        if isinstance(area, Zone):
            lats[mask], lons[mask] = sample_zone(area, rng, int(mask.sum()))
        else:
            lats[mask], lons[mask] = area.lat, area.lon
    return lats, lons, [areas[i].name for i in picked]


def sample_zone(zone: Zone, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform over the zone's area (a box: uniform in latitude and longitude)."""
    if zone.box is not None:
        box = zone.box
        return rng.uniform(box.min_lat, box.max_lat, n), rng.uniform(box.min_lon, box.max_lon, n)
    assert zone.circle is not None
    circle = zone.circle
    # sqrt of a uniform radius spreads points evenly over the disc, not bunched at its centre
    distance = circle.radius_m * np.sqrt(rng.random(n)) / EARTH_RADIUS_M
    bearing = rng.uniform(0, 2 * np.pi, n)
    return _destination(circle.lat, circle.lon, bearing, distance)


def _destination(lat: float, lon: float, bearing: np.ndarray,
                 angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle destination from (lat, lon): exact, so points stay inside the circle."""
    phi, lam = np.radians(lat), np.radians(lon)
    phi2 = np.arcsin(np.sin(phi) * np.cos(angle) + np.cos(phi) * np.sin(angle) * np.cos(bearing))
    lam2 = lam + np.arctan2(np.sin(bearing) * np.sin(angle) * np.cos(phi),
                            np.cos(angle) - np.sin(phi) * np.sin(phi2))
    return np.degrees(phi2), np.degrees(lam2)


def contains(zone: Zone, lat: float, lon: float, *, tolerance_m: float = 0.01) -> bool:
    """Whether (lat, lon) lies in ``zone`` (within ``tolerance_m`` of a circle's edge)."""
    if zone.box is not None:
        box = zone.box
        return box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon
    assert zone.circle is not None
    circle = zone.circle
    return haversine_km(circle.lat, circle.lon, lat, lon) * 1000 <= circle.radius_m + tolerance_m
