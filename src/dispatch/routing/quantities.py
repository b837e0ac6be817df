"""Read-only per-dimension amounts (kg, litres, parcels...) used for demands and capacities."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType


def quantities(values: Mapping[str, float] | None, field: str) -> Mapping[str, float]:
    """Validate amounts (finite, not negative) and freeze them."""
    result: dict[str, float] = {}
    for dim, amount in (values or {}).items():
        if not isinstance(dim, str) or not dim:
            raise ValueError(f"{field}: dimension names must be non-empty strings, got {dim!r}")
        try:
            value = float(amount)
        except (TypeError, ValueError):
            raise ValueError(f"{field}.{dim} must be a number, got {amount!r}") from None
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{field}.{dim} must be finite, got {value}")
        if value < 0:
            raise ValueError(f"{field}.{dim} must not be negative, got {value}")
        result[dim] = value
    return MappingProxyType(result)
