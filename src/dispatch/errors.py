"""Errors the service layer raises, each carrying the HTTP meaning it maps to.

Domain and service code raise these; the API turns them into ``application/problem+json``
responses (RFC 9457) and the CLI into a one-line message. ``field`` names the offending
input (``lines[1].quantity``) so a client can point at it; ``extra`` adds machine-readable
members such as a stock shortfall.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a request that cannot be carried out as asked."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule (a quantity above what can be returned)."""

    status = 422
    title = "Invalid request"
    code = "invalid"


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""

    status = 404
    title = "Not found"
    code = "not_found"


class Forbidden(DomainError):
    """The caller's role may not use this operation."""

    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (an illegal transition, a busy key)."""

    status = 409
    title = "Conflict"
    code = "conflict"


class IllegalTransition(Conflict):
    """A state machine refused a move, e.g. cancelling a delivered order."""

    code = "illegal_transition"

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(
            f"{entity} cannot go from {current!r} to {target!r}",
            field="status",
            current=current,
            target=target,
        )


class InsufficientStock(Conflict):
    """No warehouse can fulfil every line; ``shortfall`` lists what is missing per SKU."""

    code = "insufficient_stock"


class PaymentDeclined(DomainError):
    """The payment provider refused the authorisation."""

    status = 402
    title = "Payment declined"
    code = "payment_declined"


class PreconditionFailed(DomainError):
    """An ``If-Match`` version no longer matches: someone else changed the object."""

    status = 412
    title = "Precondition failed"
    code = "stale_version"
