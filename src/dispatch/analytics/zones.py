"""Delivery zones as geohash cells: named from coordinates alone, so every order has a
zone without anyone drawing boundaries, and neighbouring cells share a prefix.

Precision 5 is a cell of about 4.9 × 4.9 km, 6 about 1.2 × 0.6 km (a few streets: the
default), 7 about 150 × 150 m.
"""

from __future__ import annotations

from dataclasses import dataclass

_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
DEFAULT_PRECISION = 6


def zone_of(lat: float, lon: float, precision: int = DEFAULT_PRECISION) -> str:
    """The geohash of a point: bits alternate longitude and latitude, halving each range."""
    if not 1 <= precision <= 12:
        raise ValueError("precision must be 1 to 12")
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    code, bits, value, even = [], 0, 0, True
    while len(code) < precision:
        span, x = (lon_range, lon) if even else (lat_range, lat)
        middle = (span[0] + span[1]) / 2
        value <<= 1
        if x >= middle:
            value |= 1
            span[0] = middle
        else:
            span[1] = middle
        even, bits = not even, bits + 1
        if bits == 5:
            code.append(_ALPHABET[value])
            bits = value = 0
    return "".join(code)


@dataclass(frozen=True)
class ZoneBounds:
    south: float
    west: float
    north: float
    east: float


def zone_bounds(zone: str) -> ZoneBounds:
    """The cell a geohash names (for drawing zones on a map)."""
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for char in zone:
        value = _ALPHABET.index(char)
        for shift in range(4, -1, -1):
            span = lon_range if even else lat_range
            middle = (span[0] + span[1]) / 2
            span[0 if value >> shift & 1 else 1] = middle
            even = not even
    return ZoneBounds(lat_range[0], lon_range[0], lat_range[1], lon_range[1])
