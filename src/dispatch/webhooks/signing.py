"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body (Stripe's scheme).

Every delivery carries ``Dispatch-Signature: t=<unix seconds>,v1=<hex digest>`` where the
digest is ``HMAC-SHA256(secret, f"{t}.{raw body}")``. A receiver verifies it like this:

1. Split the header on ``,`` into ``key=value`` pairs; take ``t`` and every ``v1``.
2. Recompute the digest over ``f"{t}.".encode() + body``, with ``body`` the raw bytes
   received (before any JSON parsing: re-serialising changes the bytes).
3. Compare with a constant-time comparison (``hmac.compare_digest``) against each ``v1``.
4. Reject the request when ``t`` is more than 5 minutes away from the receiver's clock:
   a captured request replayed later then fails even though its signature is valid.
5. De-duplicate on ``Dispatch-Event-Id`` (the body's ``id``): delivery is at least once,
   so the same event may arrive more than once, always with the same id.

:func:`verify_signature` does steps 1 to 4, for receivers written in Python and for tests.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "Dispatch-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _unix(moment: float | datetime) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def sign(secret: str, body: bytes, timestamp: float | datetime) -> str:
    """The ``Dispatch-Signature`` header value for ``body`` sent at ``timestamp``."""
    t = int(_unix(timestamp))
    return f"t={t},v1={_digest(secret, t, body)}"


def verify_signature(secret: str, header: str, body: bytes, now: float | datetime,
                     tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True when ``header`` signs exactly ``body`` with ``secret`` and its timestamp is
    within ``tolerance`` seconds of ``now``; False for anything else, malformed included."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if not (value.isascii() and value.isdigit()):
                return False
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(_unix(now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
