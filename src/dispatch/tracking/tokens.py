"""Per-order tracking tokens: the customer's only key, so unguessable (192 random bits)."""

from __future__ import annotations

import re
import secrets

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_tracking_token() -> str:
    """32 URL-safe characters from 24 random bytes."""
    return secrets.token_urlsafe(24)
