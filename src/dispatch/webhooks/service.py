"""Registering webhook endpoints (admin), reading their deliveries, retrying dead ones."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.common.schemas import page_of
from dispatch.db.base import utcnow
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, NotFound
from dispatch.events.models import OutboxEvent
from dispatch.webhooks.models import WebhookDelivery, WebhookEndpoint
from dispatch.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from dispatch.webhooks.targets import Resolver, check_target, system_resolver

SECRET_PREFIX = "whsec_"
SHOWN_SECRET_CHARS = len(SECRET_PREFIX) + 4


def new_secret() -> str:
    """256 random bits, recognisable as a webhook secret by its prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_read(endpoint: WebhookEndpoint) -> WebhookRead:
    return WebhookRead(
        id=endpoint.id, url=endpoint.url, event_types=list(endpoint.event_types),
        description=endpoint.description, active=endpoint.active,
        created_at=endpoint.created_at, secret_prefix=endpoint.secret[:SHOWN_SECRET_CHARS],
    )


def create_webhook(uow: UnitOfWork, cmd: WebhookCreate, *, allow_private: bool,
                   resolve: Resolver = system_resolver) -> WebhookCreated:
    """Check the URL (422 naming ``url``), store the endpoint, return it with its secret."""
    check_target(cmd.url, allow_private=allow_private, resolve=resolve)
    with uow:
        endpoint = WebhookEndpoint(url=cmd.url, secret=new_secret(),
                                   event_types=list(cmd.event_types),
                                   description=cmd.description, active=True)
        uow.db.add(endpoint)
        uow.db.flush()
        uow.commit()
        return WebhookCreated(**webhook_read(endpoint).model_dump(), secret=endpoint.secret)


def _endpoint(db: Session, webhook_id: int) -> WebhookEndpoint:
    endpoint = db.get(WebhookEndpoint, webhook_id)
    if endpoint is None:
        raise NotFound(f"webhook {webhook_id} does not exist", field="webhook_id")
    return endpoint


def list_webhooks(uow: UnitOfWork, *, limit: int,
                  after: int | None) -> tuple[list[WebhookRead], str | None]:
    with uow:
        rows = uow.db.scalars(keyset(select(WebhookEndpoint), WebhookEndpoint.id,
                                     limit=limit, after=after))
        return page_of([webhook_read(row) for row in rows], limit)


def get_webhook(uow: UnitOfWork, webhook_id: int) -> WebhookRead:
    with uow:
        return webhook_read(_endpoint(uow.db, webhook_id))


def deactivate_webhook(uow: UnitOfWork, webhook_id: int) -> WebhookRead:
    """Stop sending to the endpoint; its history stays readable. Idempotent."""
    with uow:
        endpoint = _endpoint(uow.db, webhook_id)
        if endpoint.active:
            endpoint.active = False
            endpoint.version += 1
        uow.commit()
        return webhook_read(endpoint)


def _delivery_read(delivery: WebhookDelivery, event: OutboxEvent) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id, endpoint_id=delivery.endpoint_id, event_id=event.event_id,
        event_type=event.type, status=delivery.status, attempts=delivery.attempts,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at, delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


def list_deliveries(uow: UnitOfWork, webhook_id: int, *, status: str | None, limit: int,
                    after: int | None) -> tuple[list[DeliveryRead], str | None]:
    """The endpoint's deliveries, oldest first; 404 naming ``webhook_id`` if it is unknown."""
    with uow:
        _endpoint(uow.db, webhook_id)
        query = (select(WebhookDelivery, OutboxEvent)
                 .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
                 .where(WebhookDelivery.endpoint_id == webhook_id))
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        rows = uow.db.execute(keyset(query, WebhookDelivery.id, limit=limit, after=after))
        return page_of([_delivery_read(d, e) for d, e in rows], limit)


def retry_delivery(uow: UnitOfWork, webhook_id: int, delivery_id: int, *,
                   now: datetime | None = None) -> DeliveryRead:
    """Give a dead delivery one more attempt, due now (409 unless it is dead)."""
    with uow:
        endpoint = _endpoint(uow.db, webhook_id)
        delivery = uow.db.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
            .with_for_update()
        ).one_or_none()
        if delivery is None:
            raise NotFound(f"webhook {webhook_id} has no delivery {delivery_id}",
                           field="delivery_id")
        if delivery.status != "dead":
            raise Conflict(f"delivery {delivery_id} is {delivery.status}; only dead deliveries"
                           " are retried by hand", field="delivery_id", current=delivery.status)
        if not endpoint.active:
            raise Conflict(f"webhook {webhook_id} is deactivated", field="webhook_id")
        delivery.status = "pending"
        delivery.next_attempt_at = now or utcnow()
        uow.commit()
        return _delivery_read(delivery, uow.db.get(OutboxEvent, delivery.outbox_event_id))
