"""Sending pending notifications through the channel, retried like webhook deliveries.

Claim (count the attempt, lease the row so another relay skips it), send outside any
transaction, record: ``sent``, or pending again after a growing delay, or ``failed``
after ``notification_max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from dispatch.db.database import Database
from dispatch.events.backoff import Jitter, next_attempt_at
from dispatch.notifications.channels import Channel, Message
from dispatch.notifications.models import Notification
from dispatch.notifications.service import FAILED, PENDING, SENT
from dispatch.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
ERROR_LENGTH = 500


def _claim(database: Database, channel: Channel, limit: int, now: datetime) -> list[Message]:
    with database.uow() as uow:
        rows = uow.db.scalars(
            select(Notification)
            .where(Notification.status == PENDING, Notification.channel == channel.name,
                   Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
        messages = [Message(row.id, row.order_id, row.template, row.recipient, row.subject,
                            row.body) for row in rows]
        uow.commit()
    return messages


def _record(database: Database, settings: Settings, notification_id: int,
            error: str | None, now: datetime, jitter: Jitter) -> str:
    with database.uow() as uow:
        row = uow.db.get(Notification, notification_id, with_for_update=True)
        if row is None or row.status != PENDING:
            return row.status if row else FAILED
        if error is None:
            row.status, row.sent_at, row.error = SENT, now, None
        else:
            row.error = error[:ERROR_LENGTH]
            retry_at = next_attempt_at(row.attempts, settings.notification_max_attempts,
                                       settings.notification_backoff_seconds, now, jitter)
            if retry_at is None:
                row.status = FAILED
                log.warning("notification %s failed after %s attempts: %s", row.id,
                            row.attempts, row.error)
            else:
                row.next_attempt_at = retry_at
        uow.commit()
        return row.status


def send_pending(database: Database, settings: Settings, channel: Channel, *,
                 clock: Callable[[], datetime], jitter: Jitter) -> dict[str, int]:
    """Send the due notifications of ``channel``; counts per resulting status."""
    counts = {SENT: 0, PENDING: 0, FAILED: 0}
    for message in _claim(database, channel, settings.relay_batch_size, clock()):
        try:
            channel.send(message)
            error = None
        except Exception as exc:  # any channel failure is retried, never fatal
            error = f"{type(exc).__name__}: {exc}"
        status = _record(database, settings, message.notification_id, error, clock(), jitter)
        counts[status] = counts.get(status, 0) + 1
    return counts
