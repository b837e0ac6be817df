"""Delivering outbox events to webhook endpoints: at least once, signed, with backoff.

One ``WebhookDelivery`` row per (event, endpoint) is created when the relay takes the
event from the outbox (:func:`queue_deliveries`, in the relay's transaction). Sending
(:func:`send_due`) happens in three steps so that no network call is made inside a
database transaction: claim due rows (counting the attempt and pushing the next attempt
out by a lease, so a second relay skips them), post them, then record each outcome. A
relay that dies between posting and recording leaves the row pending; it is sent again
once the lease runs out, with the same event id, so receivers de-duplicate.

A 2xx answer is delivered; anything else (another status, a timeout, a refused target)
is retried after ``webhook_backoff_seconds * 2**(attempts - 1)`` plus jitter, and the
delivery is dead after ``webhook_max_attempts`` attempts (retry it with the API).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import __version__
from dispatch.db.database import Database
from dispatch.errors import Invalid
from dispatch.events.backoff import Jitter, next_attempt_at
from dispatch.events.models import OutboxEvent
from dispatch.settings import Settings
from dispatch.webhooks.models import WebhookDelivery, WebhookEndpoint
from dispatch.webhooks.schemas import ALL_EVENTS
from dispatch.webhooks.signing import SIGNATURE_HEADER, sign
from dispatch.webhooks.targets import Resolver, Target, check_target, system_resolver

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
LEASE_MARGIN = timedelta(seconds=60)
ERROR_LENGTH = 500


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return ALL_EVENTS in endpoint.event_types or event_type in endpoint.event_types


def queue_deliveries(db: Session, events: list[OutboxEvent], now: datetime) -> int:
    """Add a pending delivery per (event, active subscribed endpoint) not yet queued;
    returns how many were added. Runs in the caller's (the relay's) transaction."""
    endpoints = db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))).all()
    if not endpoints or not events:
        return 0
    queued = {(event_id, endpoint_id) for event_id, endpoint_id in db.execute(
        select(WebhookDelivery.outbox_event_id, WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.outbox_event_id.in_([event.id for event in events])))}
    added = 0
    for event in events:
        for endpoint in endpoints:
            if subscribed(endpoint, event.type) and (event.id, endpoint.id) not in queued:
                db.add(WebhookDelivery(endpoint_id=endpoint.id, outbox_event_id=event.id,
                                       status=PENDING, attempts=0, next_attempt_at=now))
                added += 1
    return added


def event_body(event: OutboxEvent) -> bytes:
    """The JSON body receivers get; the same bytes on every attempt."""
    document = {"id": event.event_id, "type": event.type,
                "occurred_at": event.occurred_at.isoformat(), "data": event.payload}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class DeliveryJob:
    """What one attempt needs, read while claiming so sending touches no session."""

    delivery_id: int
    attempt: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None


def _claim(database: Database, settings: Settings, now: datetime) -> list[DeliveryJob]:
    """Due pending deliveries of active endpoints, locked against other relays (PostgreSQL
    skips rows another relay holds), each counted as an attempt and leased."""
    with database.uow() as uow:
        rows = uow.db.execute(
            select(WebhookDelivery, WebhookEndpoint, OutboxEvent)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
                   WebhookEndpoint.active.is_(True))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(settings.relay_batch_size)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        lease = LEASE_MARGIN + timedelta(seconds=settings.webhook_timeout_seconds) * len(rows)
        jobs = []
        for delivery, endpoint, event in rows:
            delivery.attempts += 1
            delivery.next_attempt_at = now + lease
            jobs.append(DeliveryJob(delivery.id, delivery.attempts, endpoint.url,
                                    endpoint.secret, event.event_id, event.type,
                                    event_body(event)))
        uow.commit()
    return jobs


def _pinned_request(client: httpx.Client, target: Target, job: DeliveryJob,
                    signed_at: datetime) -> httpx.Request:
    """A POST to the checked address itself, naming the host in ``Host`` (and TLS SNI,
    so the certificate is still verified against the name)."""
    address = target.addresses[0]
    url = httpx.URL(target.url)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"dispatch-webhooks/{__version__}",
        "Dispatch-Event-Id": job.event_id,
        "Dispatch-Event-Type": job.event_type,
        "Dispatch-Delivery-Attempt": str(job.attempt),
        SIGNATURE_HEADER: sign(job.secret, job.body, signed_at),
    }
    extensions: dict[str, Any] = {}
    if not target.host_is_address:
        headers["Host"] = url.netloc.decode("ascii")
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        url = url.copy_with(host=address)
    return client.build_request("POST", url, content=job.body, headers=headers,
                                extensions=extensions)


def attempt(client: httpx.Client, job: DeliveryJob, *, allow_private: bool,
            signed_at: datetime, resolve: Resolver = system_resolver) -> Outcome:
    """One POST of ``job``; never raises (a failure is an ``Outcome``)."""
    try:
        target = check_target(job.url, allow_private=allow_private, resolve=resolve)
    except Invalid as exc:  # the name now resolves somewhere it may not go
        return Outcome(False, error=f"target refused: {exc.detail}")
    try:
        response = client.send(_pinned_request(client, target, job, signed_at))
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}" if str(exc)
                       else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return Outcome(True, status_code=response.status_code)
    return Outcome(False, status_code=response.status_code,
                   error=f"HTTP {response.status_code}")


def _record(database: Database, settings: Settings, job: DeliveryJob, outcome: Outcome,
            now: datetime, jitter: Jitter) -> str:
    with database.uow() as uow:
        delivery = uow.db.get(WebhookDelivery, job.delivery_id, with_for_update=True)
        if delivery is None or delivery.status != PENDING:
            return delivery.status if delivery else DEAD
        delivery.last_status_code = outcome.status_code
        if outcome.delivered:
            delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, now, None
        else:
            delivery.last_error = (outcome.error or "failed")[:ERROR_LENGTH]
            retry_at = next_attempt_at(delivery.attempts, settings.webhook_max_attempts,
                                       settings.webhook_backoff_seconds, now, jitter)
            if retry_at is None:
                delivery.status = DEAD
                log.warning("webhook delivery %s dead after %s attempts: %s", delivery.id,
                            delivery.attempts, delivery.last_error)
            else:
                delivery.next_attempt_at = retry_at
        uow.commit()
        return delivery.status


def send_due(database: Database, settings: Settings, *, clock: Callable[[], datetime],
             jitter: Jitter, resolve: Resolver = system_resolver,
             transport: httpx.BaseTransport | None = None) -> dict[str, int]:
    """Claim, send and record the due deliveries; counts per resulting status."""
    jobs = _claim(database, settings, clock())
    counts = {DELIVERED: 0, PENDING: 0, DEAD: 0}
    if not jobs:
        return counts
    with _client(settings, transport) as client:
        for job in jobs:
            outcome = attempt(client, job, allow_private=settings.webhook_allow_private_targets,
                              signed_at=clock(), resolve=resolve)
            status = _record(database, settings, job, outcome, clock(), jitter)
            counts[status] = counts.get(status, 0) + 1
    return counts


def _client(settings: Settings, transport: httpx.BaseTransport | None) -> httpx.Client:
    """No redirects (they could lead inward), no proxies from the environment (they
    would bypass the address check), the configured timeout."""
    return httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False,
                        trust_env=False, transport=transport)
