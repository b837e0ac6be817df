"""Generated delivery waves around a city depot: realistic sizes for timing the solver."""

from __future__ import annotations

import math

import numpy as np

from dispatch.routing.locations import GeoPoint
from dispatch.routing.problem import Depot, Problem
from dispatch.routing.stops import Stop
from dispatch.routing.vehicles import Vehicle
from dispatch.routing.windows import TimeWindow

CITY = GeoPoint(48.8566, 2.3522)  # a dense city centre
HOUR = 3600.0


def generate_wave(stops: int = 200, vehicles: int = 20, seed: int = 0,
                  radius_km: float = 12.0) -> Problem:
    """A day wave: clustered and scattered customers, 2-hour windows from 08:00 to 18:00,
    parcels of 1-30 kg, vans of 400 kg and 2 m3 on 08:00-18:00 shifts."""
    if stops < 1 or vehicles < 1:
        raise ValueError("a wave needs at least one stop and one vehicle")
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, radius_km / 3, size=(6, 2))
    clustered = rng.random(stops) < 0.6
    offsets = np.where(clustered[:, None],
                       centres[rng.integers(0, 6, stops)] + rng.normal(0, 0.8, (stops, 2)),
                       rng.uniform(-radius_km, radius_km, (stops, 2)))
    km_per_deg_lon = 111.32 * math.cos(math.radians(CITY.lat))
    depot = Depot("hub", CITY)
    fleet = [Vehicle(f"van-{i + 1:02d}", CITY, TimeWindow(8 * HOUR, 18 * HOUR),
                     capacity={"kg": 400, "m3": 2.0}, fixed_cost=40, cost_per_km=0.4,
                     cost_per_hour=18) for i in range(vehicles)]
    orders = []
    for i in range(stops):
        slot = int(rng.integers(0, 5))
        start = (8 + 2 * slot) * HOUR
        orders.append(Stop(
            f"order-{i + 1:04d}",
            GeoPoint(CITY.lat + offsets[i, 1] / 111.32, CITY.lon + offsets[i, 0] / km_per_deg_lon),
            windows=(TimeWindow(start, start + 2 * HOUR),),
            service_time=float(rng.integers(3, 6) * 60),
            demand={"kg": float(rng.integers(1, 31)), "m3": round(float(rng.uniform(0.01, 0.1)), 3)},
        ))
    return Problem(vehicles=tuple(fleet), stops=tuple(orders), depots=(depot,),
                   name=f"wave-{stops}x{vehicles}-s{seed}")
