"""How wide an ETA window is: from the ETA errors measured so far, by how far ahead.

An estimate made two hours ahead is worse than one made five minutes ahead, so measured
errors (actual arrival minus estimate, with how long before arrival the estimate was
made) are grouped into lead-time bands and each band's window half-width is a high
quantile of its absolute errors. A band with too few measurements falls back to a prior
that grows with the lead. The result never drops below the configured minimum and never
narrows as the lead grows, so a later stop is never promised more precisely than an
earlier one. Pure functions; the ETA engine loads the measurements and caches profiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MINUTE = 60.0

LEAD_BANDS: tuple[float, ...] = (15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE,
                                 240 * MINUTE, math.inf)
"""Upper edges (seconds of lead, inclusive) of the bands errors are grouped into."""


@dataclass(frozen=True)
class WindowPolicy:
    """How measured errors become a window.

    ``quantile`` of |error| is the half-width (0.8: four arrivals in five fall inside);
    a band needs ``min_samples`` measurements to be trusted; without them the half-width
    is ``minimum + prior_growth * lead`` (5% of the lead: ±3 min more an hour ahead).
    """

    minimum_seconds: float = 5 * MINUTE
    quantile: float = 0.8
    min_samples: int = 20
    prior_growth: float = 0.05
    bands: tuple[float, ...] = LEAD_BANDS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.minimum_seconds) and self.minimum_seconds >= 0):
            raise ValueError(f"minimum_seconds must be >= 0, got {self.minimum_seconds}")
        if not 0 < self.quantile <= 1:
            raise ValueError(f"quantile must be in (0, 1], got {self.quantile}")
        if self.min_samples < 1:
            raise ValueError(f"min_samples must be positive, got {self.min_samples}")
        if not (math.isfinite(self.prior_growth) and self.prior_growth >= 0):
            raise ValueError(f"prior_growth must be >= 0, got {self.prior_growth}")
        if not self.bands or list(self.bands) != sorted(self.bands) or self.bands[-1] != math.inf:
            raise ValueError("bands must be increasing upper edges ending with infinity")


@dataclass(frozen=True)
class ErrorSample:
    """One measured ETA error: ``error`` = actual - estimate, ``lead`` = arrival - when
    the estimate was made, both in seconds."""

    error: float
    lead: float


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` by linear interpolation between order statistics."""
    if not values:
        raise ValueError("quantile of no values")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def band_of(lead: float, bands: Sequence[float] = LEAD_BANDS) -> int:
    """Index of the band a lead (seconds; negative counts as 0) falls in."""
    lead = max(0.0, lead)
    for index, edge in enumerate(bands):
        if lead <= edge:
            return index
    return len(bands) - 1


def _prior_lead(bands: Sequence[float], index: int) -> float:
    """The lead a band's prior is judged at: its upper edge (the open last band: twice the
    edge before it), so the prior is an honest bound for the whole band."""
    edge = bands[index]
    if math.isfinite(edge):
        return edge
    return 2 * bands[index - 1] if index else 0.0


@dataclass(frozen=True)
class ErrorProfile:
    """Window half-width (seconds) per lead band, non-decreasing, never below the minimum;
    and the systematic error (bias, seconds, positive: later than estimated) per band,
    zero where too few were measured."""

    half_widths: tuple[float, ...]
    bands: tuple[float, ...] = LEAD_BANDS
    samples: int = 0
    biases: tuple[float, ...] | None = None

    def half_width(self, lead: float) -> float:
        """Half-width for an estimate made ``lead`` seconds before the arrival."""
        return self.half_widths[band_of(lead, self.bands)]

    def bias(self, lead: float) -> float:
        """The error estimates made ``lead`` seconds ahead have had, typically."""
        return self.biases[band_of(lead, self.bands)] if self.biases else 0.0


def error_profile(samples: Iterable[ErrorSample], policy: WindowPolicy = WindowPolicy()
                  ) -> ErrorProfile:
    """Per band: the ``policy.quantile`` of |error| when measured often enough, else the
    prior; then floored at the minimum and made non-decreasing across bands."""
    by_band: list[list[float]] = [[] for _ in policy.bands]
    count = 0
    for sample in samples:
        if not (math.isfinite(sample.error) and math.isfinite(sample.lead)):
            continue
        by_band[band_of(sample.lead, policy.bands)].append(abs(sample.error))
        count += 1
    widths: list[float] = []
    floor = policy.minimum_seconds
    for index, errors in enumerate(by_band):
        if len(errors) >= policy.min_samples:
            width = quantile(errors, policy.quantile)
        else:
            width = policy.minimum_seconds + policy.prior_growth * _prior_lead(policy.bands,
                                                                               index)
        floor = max(floor, width)
        widths.append(floor)
    return ErrorProfile(tuple(widths), tuple(policy.bands), count)


def band_biases(samples: Iterable[ErrorSample], policy: WindowPolicy = WindowPolicy()
                ) -> tuple[float, ...]:
    """Per band, the median signed error when measured ``policy.min_samples`` times or
    more, else 0: the median, so a few wild arrivals (a driver's break) do not shift
    every ETA."""
    by_band: list[list[float]] = [[] for _ in policy.bands]
    for sample in samples:
        if math.isfinite(sample.error) and math.isfinite(sample.lead):
            by_band[band_of(sample.lead, policy.bands)].append(sample.error)
    return tuple(quantile(errors, 0.5) if len(errors) >= policy.min_samples else 0.0
                 for errors in by_band)
