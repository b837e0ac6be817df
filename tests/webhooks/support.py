"""Shared steps for webhook tests: events in the outbox, endpoints, relay settings."""

from __future__ import annotations

from typing import Any

from dispatch.db.database import Database
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.settings import Settings
from dispatch.webhooks import service
from dispatch.webhooks.schemas import WebhookCreate, WebhookCreated


def publish_event(database: Database, type: EventType = EventType.ORDER_DELIVERED,
                  payload: dict[str, Any] | None = None) -> str:
    """Commit one outbox event (not tied to an order); returns its event id."""
    with database.uow() as uow:
        event = publish(uow.db, type, payload or {"order_id": 41, "status": "delivered"})
        uow.commit()
        return event.event_id


def register(database: Database, url: str, event_types: list[str] | None = None,
             **kwargs: Any) -> WebhookCreated:
    body = WebhookCreate(url=url, event_types=event_types or ["*"])
    return service.create_webhook(database.uow(), body, allow_private=True, **kwargs)


def deliveries(database: Database, webhook_id: int):
    items, _ = service.list_deliveries(database.uow(), webhook_id, status=None, limit=200,
                                       after=None)
    return items


def relay_settings(settings: Settings, tmp_path, **changes: Any) -> Settings:
    """Loopback receivers allowed, a private notification log, short retries."""
    return settings.model_copy(update={
        "webhook_allow_private_targets": True, "webhook_backoff_seconds": 10.0,
        "webhook_max_attempts": 4, "webhook_timeout_seconds": 5.0,
        "notification_log_path": str(tmp_path / "notifications.log"), **changes,
    })
