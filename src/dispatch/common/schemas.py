"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Command(BaseModel):
    """A request body: unknown fields are refused, so server-owned fields cannot be set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
