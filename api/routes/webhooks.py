"""Webhook endpoints (admin) and their delivery history.

Receivers verify ``Dispatch-Signature`` as described in ``dispatch.webhooks.signing``
(HMAC-SHA256 over ``f"{t}.{raw body}"``, rejecting ``t`` older than 5 minutes) and
de-duplicate on ``Dispatch-Event-Id``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import PageDep, SettingsDep, UowDep, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.webhooks import service
from dispatch.webhooks.schemas import (
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"],
                   dependencies=[Depends(require(Role.ADMIN))])


@router.post("", status_code=201)
def create_webhook(body: WebhookCreate, uow: UowDep, settings: SettingsDep,
                   response: Response) -> WebhookCreated:
    """Register a receiver. Events are POSTed as ``{id, type, occurred_at, data}`` with
    ``Dispatch-Event-Id``, ``Dispatch-Event-Type`` and ``Dispatch-Signature:
    t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; a 2xx answer within the
    timeout acknowledges, anything else is retried with exponential backoff. The URL must
    be http(s), without credentials, on a public address (422 naming ``url``). The
    ``secret`` is in this response only; later reads show its first characters."""
    created = service.create_webhook(
        uow, body, allow_private=settings.webhook_allow_private_targets)
    response.headers["Location"] = f"/webhooks/{created.id}"
    return created


@router.get("")
def list_webhooks(uow: UowDep, page: PageDep) -> Page[WebhookRead]:
    items, cursor = service.list_webhooks(uow, limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.get("/{webhook_id}")
def get_webhook(webhook_id: Id, uow: UowDep) -> WebhookRead:
    return service.get_webhook(uow, webhook_id)


@router.delete("/{webhook_id}")
def deactivate_webhook(webhook_id: Id, uow: UowDep) -> WebhookRead:
    """Stop sending to the endpoint (its deliveries stay readable)."""
    return service.deactivate_webhook(uow, webhook_id)


@router.get("/{webhook_id}/deliveries")
def list_deliveries(webhook_id: Id, uow: UowDep, page: PageDep,
                    status: Annotated[DeliveryStatus | None, Query()] = None,
                    ) -> Page[DeliveryRead]:
    items, cursor = service.list_deliveries(uow, webhook_id, status=status, limit=page.limit,
                                            after=page.after)
    return Page(items=items, next_cursor=cursor)


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry",
             responses={409: {"description": "the delivery is not dead"}})
def retry_delivery(webhook_id: Id, delivery_id: Id, uow: UowDep) -> DeliveryRead:
    """Send a dead delivery again, now (one more attempt, same event id)."""
    return service.retry_delivery(uow, webhook_id, delivery_id)
