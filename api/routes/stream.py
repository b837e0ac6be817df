"""A server-sent-events stream for dispatchers: positions, stop events, ETA changes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/stream", tags=["stream"])
