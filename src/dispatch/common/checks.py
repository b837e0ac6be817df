"""Argument checks shared by the domain rules (plain Python, no database)."""

from __future__ import annotations

from datetime import datetime

from dispatch.errors import Invalid, PreconditionFailed


def is_int(value: object) -> bool:
    """True for a plain integer; ``bool`` is an ``int`` subclass but not a quantity."""
    return isinstance(value, int) and not isinstance(value, bool)


def require_int(value: object, name: str) -> int:
    """``value`` if it is a plain int; a float or bool here is a programming error
    (money and quantities are integers), so it raises ``TypeError``."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value  # type: ignore[return-value]


def require_aware(value: object, field: str) -> datetime:
    """``value`` if it is a timezone-aware datetime, else ``Invalid`` naming ``field``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise Invalid(f"{field} must be a timezone-aware datetime", field=field)
    return value


def check_version(entity: str, entity_id: int, current: int, expected: int | None) -> None:
    """Refuse a change based on an older read (``If-Match``): 412 naming the version."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"{entity} {entity_id} is at version {current}, not {expected}",
            field="If-Match", current_version=current,
        )
