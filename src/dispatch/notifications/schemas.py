"""Response bodies for the notification log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from dispatch.common.schemas import ReadModel

NotificationStatus = Literal["pending", "sent", "failed"]


class NotificationRead(ReadModel):
    id: int
    order_id: int | None
    template: str
    channel: str
    recipient: str
    subject: str
    body: str
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    error: str | None
    created_at: datetime
    sent_at: datetime | None
