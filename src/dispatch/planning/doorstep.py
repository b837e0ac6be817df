"""How long a stop takes at the door, as plans and ETAs assume it.

A fixed part (parking, ringing, a signature) plus a part per kilogram handed over or
collected: six crates and a pack of water take longer up the stairs than one bag, and a
plan that knows it times the stops after a heavy basket better. Only the weight is used
because it is what every order knows (``Sku.weight_g``); the dispatcher sets both parts
(``service_seconds_default``, ``service_seconds_per_kg``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DoorstepTime:
    """``base_seconds`` per stop plus ``per_kg_seconds`` per kilogram of its goods."""

    base_seconds: float
    per_kg_seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("base_seconds", "per_kg_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")

    def seconds(self, weight_g: float) -> float:
        """Time at the door for a stop handing over or collecting ``weight_g`` grams."""
        return self.base_seconds + self.per_kg_seconds * max(0.0, weight_g) / 1000.0

    @classmethod
    def from_settings(cls, settings: Any) -> DoorstepTime:
        """The doorstep time a ``dispatch.settings.Settings`` configures."""
        return cls(settings.service_seconds_default, settings.service_seconds_per_kg)
