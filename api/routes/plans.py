"""Plans: dispatchers ask for a wave to be planned, inspect the proposal and commit it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/plans", tags=["plans"])
