"""Writing events into the outbox, inside the transaction that made the change.

Because the event row commits or rolls back with the change itself, a relay reading the
outbox afterwards sees exactly the changes that happened: no lost and no phantom events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.db.base import utcnow
from dispatch.events.models import OutboxEvent
from dispatch.events.types import EventType


def publish(db: Session, type: EventType, payload: Mapping[str, Any], *,
            order_id: int | None = None, driver_id: int | None = None,
            occurred_at: datetime | None = None) -> OutboxEvent:
    """Add an event to the session; it is stored only if the caller commits."""
    event = OutboxEvent(
        event_id=str(uuid.uuid4()), type=EventType(type).value, order_id=order_id,
        driver_id=driver_id, payload=dict(payload), occurred_at=occurred_at or utcnow(),
    )
    db.add(event)
    return event
