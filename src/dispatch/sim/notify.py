"""Customer notifications in the simulated day: every simulated minute the outbox relay
runs as it does beside the API (events to notifications, then sending), on the simulated
clock, through a channel that only records what it was handed. The messages themselves
stay in the database's notifications table, as they would in production."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from dispatch.db.database import Database
from dispatch.events.relay import relay_once
from dispatch.notifications.channels import Message
from dispatch.settings import Settings


class RecordingChannel:
    """A channel that keeps count of the messages handed to it, by template."""

    name = "log"
    contact = "any"

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def send(self, message: Message) -> None:
        self.sent[message.template] += 1


def _no_jitter() -> float:
    """Retry delays without randomness, so a seeded day stays the same day."""
    return 0.5


def relay(database: Database, settings: Settings, channel: RecordingChannel,
          now: datetime) -> None:
    """Relay everything due at ``now``: full batches mean more may be waiting."""
    batch = settings.relay_batch_size
    while True:
        counts = relay_once(database, settings, now=now, channel=channel, jitter=_no_jitter)
        if counts.events < batch and sum(counts.notifications.values()) < batch:
            return
