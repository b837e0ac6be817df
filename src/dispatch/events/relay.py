"""The outbox relay: takes committed events from the outbox and delivers them onward.

One :func:`relay_once` does three steps, each its own short transaction:

1. Take a batch of unrelayed events in id order (on PostgreSQL ``FOR UPDATE SKIP
   LOCKED``, so relays in several processes share the work without doing any twice; on
   SQLite the single writer is enough), queue one webhook delivery per subscribed active
   endpoint and the customer notifications of templated types, and mark the events
   relayed, all in one transaction: a crash leaves either everything or nothing, and the
   unique (event, endpoint) and (event, channel) keys are a second guard.
2. Send due webhook deliveries (``dispatch.webhooks.delivery``).
3. Send pending notifications (``dispatch.notifications.sending``).

Network calls happen only in steps 2 and 3, outside any transaction. Only committed
events are in the outbox, so a change that rolled back is never announced.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy import select

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.events.backoff import Jitter
from dispatch.events.models import OutboxEvent
from dispatch.notifications.channels import Channel, channel_for
from dispatch.notifications.models import Notification
from dispatch.notifications.sending import send_pending
from dispatch.notifications.service import PENDING as NOTIFICATION_PENDING
from dispatch.notifications.service import queue_notifications
from dispatch.settings import Settings
from dispatch.webhooks.delivery import PENDING as WEBHOOK_PENDING
from dispatch.webhooks.delivery import queue_deliveries, send_due
from dispatch.webhooks.models import WebhookDelivery
from dispatch.webhooks.targets import Resolver, system_resolver

log = logging.getLogger(__name__)


@dataclass
class RelayCounts:
    """What one pass did: events taken, rows queued, and send outcomes per status."""

    events: int = 0
    deliveries_queued: int = 0
    notifications_queued: int = 0
    webhooks: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)


def take_from_outbox(database: Database, settings: Settings, channel: Channel,
                     now: datetime) -> RelayCounts:
    """Step 1: fan a batch of unrelayed events out to deliveries and notifications."""
    counts = RelayCounts()
    with database.uow() as uow:
        db = uow.db
        events = list(db.scalars(
            select(OutboxEvent).where(OutboxEvent.relayed_at.is_(None))
            .order_by(OutboxEvent.id).limit(settings.relay_batch_size)
            .with_for_update(skip_locked=True)
        ))
        if not events:
            return counts
        counts.events = len(events)
        counts.deliveries_queued = queue_deliveries(db, events, now)
        counts.notifications_queued = queue_notifications(
            db, events, channel, public_url=settings.public_url, now=now)
        for event in events:
            event.relayed_at = now
        uow.commit()
    return counts


def _nothing_due(database: Database, now: datetime) -> bool:
    """A read-only look first: most ticks find no work, and on SQLite the three claiming
    steps would each take the write lock that pings and orders are waiting for."""
    with database.read_uow() as uow:
        db = uow.db
        return not any(db.scalar(select(query.exists())) for query in (
            select(OutboxEvent.id).where(OutboxEvent.relayed_at.is_(None)),
            select(WebhookDelivery.id).where(WebhookDelivery.status == WEBHOOK_PENDING,
                                             WebhookDelivery.next_attempt_at <= now),
            select(Notification.id).where(Notification.status == NOTIFICATION_PENDING,
                                          Notification.next_attempt_at <= now),
        ))


def relay_once(database: Database, settings: Settings, *, now: datetime | None = None,
               channel: Channel | None = None, jitter: Jitter = random.random,
               resolve: Resolver = system_resolver,
               transport: httpx.BaseTransport | None = None) -> RelayCounts:
    """One pass of all three steps. ``now`` fixes the clock (tests); by default every
    step reads the time afresh, so signatures carry the moment they were sent."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    channel = channel or channel_for(settings)
    if _nothing_due(database, clock()):
        return RelayCounts()
    counts = take_from_outbox(database, settings, channel, clock())
    counts.webhooks = send_due(database, settings, clock=clock, jitter=jitter,
                               resolve=resolve, transport=transport)
    counts.notifications = send_pending(database, settings, channel, clock=clock,
                                        jitter=jitter)
    if counts.events or any(counts.webhooks.values()) or any(counts.notifications.values()):
        log.info("relay: %s", counts)
    return counts
