"""Vehicles (one per driver shift): where they start and end, what they carry, what they cost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from dispatch.routing.locations import Location
from dispatch.routing.quantities import quantities
from dispatch.routing.windows import TimeWindow


@dataclass(frozen=True, slots=True)
class Break:
    """A rest of ``duration`` seconds that must start within ``window``."""

    window: TimeWindow
    duration: float

    def __post_init__(self) -> None:
        if not isinstance(self.window, TimeWindow):
            raise ValueError("break window must be a TimeWindow")
        if math.isnan(self.duration) or self.duration < 0:
            raise ValueError(f"break duration must not be negative, got {self.duration}")


def _optional_limit(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle and its driver's shift.

    ``end=None`` returns to ``start``. ``available_from`` lets a vehicle already on the road
    start from its current position at its current time instead of the shift start.
    """

    id: str
    start: Location
    shift: TimeWindow
    end: Location | None = None
    capacity: Mapping[str, float] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()
    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    speed_factor: float = 1.0
    max_stops: int | None = None
    max_distance: float | None = None
    max_duration: float | None = None
    breaks: tuple[Break, ...] = ()
    available_from: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("vehicle id must be a non-empty string")
        where = f"vehicle {self.id!r}"
        if not isinstance(self.shift, TimeWindow):
            raise ValueError(f"{where}: shift must be a TimeWindow")
        object.__setattr__(self, "capacity", quantities(self.capacity, f"{where}: capacity"))
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        for name in ("fixed_cost", "cost_per_km", "cost_per_hour"):
            value = float(getattr(self, name))
            if math.isnan(value) or value < 0:
                raise ValueError(f"{where}: {name} must not be negative, got {value}")
            object.__setattr__(self, name, value)
        if not self.speed_factor > 0 or math.isinf(self.speed_factor):
            raise ValueError(f"{where}: speed_factor must be positive, got {self.speed_factor}")
        if self.max_stops is not None and self.max_stops < 0:
            raise ValueError(f"{where}: max_stops must not be negative, got {self.max_stops}")
        object.__setattr__(
            self, "max_distance", _optional_limit(f"{where}: max_distance", self.max_distance)
        )
        object.__setattr__(
            self, "max_duration", _optional_limit(f"{where}: max_duration", self.max_duration)
        )
        if self.available_from is not None and not (
            self.shift.start <= self.available_from <= self.shift.end
        ):
            raise ValueError(
                f"{where}: available_from ({self.available_from}) must lie within the shift"
            )

    @property
    def end_location(self) -> Location:
        return self.start if self.end is None else self.end

    @property
    def departure(self) -> float:
        """Earliest time the vehicle can leave its start."""
        return self.shift.start if self.available_from is None else self.available_from
