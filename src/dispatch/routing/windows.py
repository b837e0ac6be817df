"""Time windows: seconds from the start of the planning day."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True, order=True)
class TimeWindow:
    """Service may start at any time in ``[start, end]``."""

    start: float
    end: float

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is None or math.isnan(float(value)):
                raise ValueError(f"time window {name} must be a number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.end < self.start:
            raise ValueError(f"time window end ({self.end}) is before its start ({self.start})")

    def contains(self, t: float, tol: float = 1e-6) -> bool:
        return self.start - tol <= t <= self.end + tol


def normalise_windows(windows: Iterable[TimeWindow], field: str) -> tuple[TimeWindow, ...]:
    """Sort windows and refuse overlaps, so 'the next open window' is well defined."""
    result = tuple(sorted(windows))
    if not result:
        raise ValueError(f"{field}: at least one time window is required")
    for before, after in pairwise(result):
        if after.start <= before.end:
            raise ValueError(f"{field}: time windows {before} and {after} overlap")
    return result


def earliest_start(windows: tuple[TimeWindow, ...], arrival: float) -> float | None:
    """The first moment service can start when arriving at ``arrival`` (None if too late)."""
    for window in windows:
        if arrival <= window.end + 1e-9:
            return max(arrival, window.start)
    return None
