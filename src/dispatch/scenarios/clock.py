"""Clock times of the scenario day: ``"HH:MM"`` text read into minutes since midnight.

Minutes (an ``int`` subclass that prints as ``HH:MM``) keep arithmetic on the day simple
while errors and dumps still show what the author typed. ``24:00`` is the end of the day.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

DAY_MINUTES = 24 * 60
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


class Clock(int):
    """Minutes since the day's midnight; ``str(Clock(690)) == "11:30"``."""

    def __str__(self) -> str:
        return f"{self // 60:02d}:{self % 60:02d}"

    def __repr__(self) -> str:
        return f"Clock({str(self)!r})"


def parse_clock(value: Any) -> Clock:
    """``"11:30"`` → ``Clock(690)``; anything else (numbers included) is a ValueError.

    Numbers are refused because YAML 1.1 reads an unquoted ``11:30`` as the base-60
    integer 690; ``load_scenario`` keeps such scalars as text, plain ``yaml`` does not.
    """
    if isinstance(value, Clock):
        return value
    match = _HH_MM.match(value.strip()) if isinstance(value, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and hours * 60 + minutes <= DAY_MINUTES:
            return Clock(hours * 60 + minutes)
    raise ValueError(f"expected a clock time HH:MM between 00:00 and 24:00, got {value!r}")


ClockTime = Annotated[int, BeforeValidator(parse_clock), AfterValidator(Clock),
                      PlainSerializer(str, return_type=str)]
"""A pydantic field type: ``"HH:MM"`` in, :class:`Clock` inside, ``"HH:MM"`` out."""


def _ordered(span: tuple[Clock, Clock]) -> tuple[Clock, Clock]:
    start, end = span
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if end == start:
        raise ValueError(f"end {end} is the same as start {start}")
    return span


Span = Annotated[tuple[ClockTime, ClockTime], AfterValidator(_ordered)]
"""``[start, end]`` clock times on one day, end after start (hours, shifts)."""
