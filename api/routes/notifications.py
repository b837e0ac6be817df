"""What customers were sent: the notification log, for support and the demo."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/notifications", tags=["notifications"])
