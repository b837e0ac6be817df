"""Webhook endpoints (admin) and their delivery history."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
