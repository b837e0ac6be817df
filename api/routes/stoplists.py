"""Drivers' stop lists and stop events: arrived, completed with proof, failed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/drivers/me", tags=["stops"])
