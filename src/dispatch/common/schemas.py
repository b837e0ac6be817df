"""Base classes for request and response bodies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, field_validator

T = TypeVar("T")

MAX_ID = 2**31 - 1
"""Ids are 32-bit integer columns on PostgreSQL; no larger number can name a row."""

Id = Annotated[int, Ge(1), Le(MAX_ID)]
"""An id in a request (path, query or body): out-of-range numbers are a 422, not a
database overflow (SQLite refuses ints above 2**63, PostgreSQL above 2**31 for ids)."""

_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _in_utc_range(value: datetime) -> datetime:
    """``value`` unchanged if it can be converted to UTC (what the database stores)."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
            raise ValueError("date-time is out of range once converted to UTC") from None
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]
"""A date-time with a UTC offset that UTC can represent (for query parameters)."""


def unstorable(value: Any) -> str | None:
    """Why ``value`` (or an item inside a list or dict) cannot be stored, or None.

    PostgreSQL text refuses NUL; a lone surrogate (JSON allows ``"\\ud800"``) cannot be
    encoded as UTF-8 for either database; an aware date-time must convert to UTC.
    """
    if isinstance(value, str):
        if _UNSTORABLE_TEXT.search(value):
            return "text must not contain NUL characters or unpaired surrogates"
        return None
    if isinstance(value, datetime):
        try:
            _in_utc_range(value)
        except ValueError as exc:
            return str(exc)
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return next((r for r in map(unstorable, value) if r), None)
    if isinstance(value, dict):
        return next((r for r in map(unstorable, (*value.keys(), *value.values())) if r), None)
    return None


class Command(BaseModel):
    """A request body: unknown fields are refused, so server-owned fields cannot be set.

    Values must be storable: text with a NUL character or an unpaired surrogate, or a
    date-time that overflows when converted to UTC, is refused (422 naming the field)
    instead of failing in the database (500).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        reason = unstorable(value)
        if reason:
            raise ValueError(reason)
        return value


class ReadModel(BaseModel):
    """A response body, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


def page_of(items: list, limit: int, key=lambda item: item.id) -> tuple[list, str | None]:
    """Split a query result fetched with ``limit + 1`` rows into a page and its cursor."""
    if len(items) > limit:
        items = items[:limit]
        return items, str(key(items[-1]))
    return items, None
