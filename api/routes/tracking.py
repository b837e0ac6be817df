"""Public tracking links: customers never log in, the token is their key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import SettingsDep, UowDep
from dispatch.tracking import service
from dispatch.tracking.schemas import TrackingRead

router = APIRouter(prefix="/track", tags=["tracking"])

Token = Annotated[str, Path(min_length=1, max_length=64, description="the order's tracking token")]


@router.get("/{token}", responses={404: {"description": "unknown or expired link"}})
def track_order(token: Token, uow: UowDep, settings: SettingsDep) -> TrackingRead:
    """One order's status, window and timeline, for the customer holding the link."""
    return service.track(uow, token, reveal_days=settings.tracking_reveal_days)
