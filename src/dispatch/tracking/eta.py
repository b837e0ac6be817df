"""The ETA engine: re-times a route's remaining stops from the driver's position and time.

(Placeholder signature; the engine is being built.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def refresh_route(db: Session, route_id: int, *, now: datetime) -> None:
    """Recompute ETAs of ``route_id``'s remaining stops inside the caller's transaction."""
