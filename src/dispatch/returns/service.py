"""Returns and exchanges: the service functions the API and CLI call.

The work is split by phase: ``requests`` (request, approve, reject, pick up),
``resolution`` (receive, refund or exchange) and ``reading`` (who may see what).
"""

from __future__ import annotations

from dispatch.returns.reading import get_return, list_returns
from dispatch.returns.requests import approve, mark_picked_up, reject, request_return
from dispatch.returns.resolution import receive, resolve

__all__ = [
    "approve",
    "get_return",
    "list_returns",
    "mark_picked_up",
    "receive",
    "reject",
    "request_return",
    "resolve",
]
