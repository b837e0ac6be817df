"""The keys a scenario section accepts, to suggest the right one for a misspelt key."""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from dispatch.scenarios.schema import Scenario


def suggestion(loc: Sequence[int | str]) -> str:
    """``"; did you mean 'x'?"`` for the unknown key at ``loc``, or ``""``."""
    model = _section(tuple(loc[:-1]))
    if model is None:
        return ""
    keys = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (expected one of: {', '.join(keys)})"


def _section(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class a document path lands in, following fields, lists and mappings."""
    current: Any = Scenario
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items()
                          if (f.alias or n) == part), None)
            if field is None:
                return None
            current = field.annotation
        else:
            args = get_args(current)
            if not args or isinstance(part, str) and get_origin(current) is not dict:
                return None
            current = args[-1] if get_origin(current) is dict else args[0]
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` → ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
