"""Idempotency keys with Stripe's semantics.

- the same key with the same request replays the first response;
- the same key with a different request is refused (422);
- a retry while the first request is still running is refused (409);
- keys are scoped to the caller and kept for at least 24 hours.

A key whose first request crashed (no response stored and older than the stale limit) can
be taken over by a retry, so a process dying mid-request does not block the key forever.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, Invalid
from dispatch.idempotency.models import IdempotencyKey

IN_FLIGHT = "in_flight"
COMMITTED = "committed"  # the work committed; its response was not stored (yet)
DONE = "done"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]


def request_fingerprint(method: str, path: str, payload: Any) -> str:
    """Hash of what makes two requests "the same": method, path and parsed body."""
    canonical = json.dumps([method.upper(), path, payload], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )


def begin(
    uow: UnitOfWork,
    *,
    owner_user_id: int,
    key: str,
    fingerprint: str,
    ttl: timedelta,
    stale_after: timedelta,
    now: datetime | None = None,
) -> tuple[int, StoredResponse | None]:
    """Claim ``key`` for this request.

    Returns the key row id and, when the request was already answered, the stored
    response to replay. Raises Invalid (422) or Conflict (409) as Stripe does.
    """
    check_key(key)
    now = now or utcnow()
    with uow:
        db = uow.db
        # The usual case, a new key, is one statement: insert unless it exists.
        claimed = db.execute(
            _insert_for(db)(IdempotencyKey)
            .values(owner_user_id=owner_user_id, key=key, request_hash=fingerprint,
                    state=IN_FLIGHT, created_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["owner_user_id", "key"])
            .returning(IdempotencyKey.id)
        ).scalar_one_or_none()
        if claimed is not None:
            uow.commit()
            return claimed, None
        # Locked, so two retries cannot both see a stale key and both take it over.
        row = db.scalars(
            select(IdempotencyKey).where(
                IdempotencyKey.owner_user_id == owner_user_id, IdempotencyKey.key == key
            ).with_for_update()
        ).one()
        if row.expires_at <= now:  # an old key used again: it starts afresh
            row.request_hash, row.state, row.created_at = fingerprint, IN_FLIGHT, now
            row.expires_at = now + ttl
            row.response_status = row.response_body = row.response_headers = None
            uow.commit()
            return row.id, None
        if row.request_hash != fingerprint:
            raise Invalid(
                "this Idempotency-Key was used with a different request",
                field="Idempotency-Key",
            )
        if row.state == DONE:
            return row.id, StoredResponse(
                row.response_status or 200,
                row.response_body or "",
                json.loads(row.response_headers or "{}"),
            )
        if row.state == COMMITTED:
            raise Conflict(
                "the first request with this Idempotency-Key completed but its response was "
                "lost; look the result up instead of retrying",
                field="Idempotency-Key",
            )
        if row.created_at + stale_after > now:
            raise Conflict(
                "a request with this Idempotency-Key is still in progress; retry later",
                field="Idempotency-Key",
            )
        row.created_at = now  # the first attempt died; this retry takes over
        uow.commit()
        return row.id, None


def _insert_for(db):
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def mark_committed(db, key_id: int) -> None:
    """Inside the work's own transaction: from now on a retry must never run it again."""
    db.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id,
                                            IdempotencyKey.state == IN_FLIGHT)
               .values(state=COMMITTED))


def finish(uow: UnitOfWork, key_id: int, response: StoredResponse) -> None:
    """Store the response so later retries replay it."""
    with uow:
        uow.db.execute(
            update(IdempotencyKey).where(IdempotencyKey.id == key_id).values(
                state=DONE, response_status=response.status, response_body=response.body,
                response_headers=json.dumps(response.headers),
            )
        )
        uow.commit()


def release(uow: UnitOfWork, key_id: int) -> None:
    """Forget a key whose request failed before its work committed, so a retry can run it."""
    with uow:
        # A key whose work committed stays: running it again would do the work twice.
        uow.db.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id,
                                                    IdempotencyKey.state == IN_FLIGHT))
        uow.commit()


def purge_expired(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Delete expired keys; returns how many went."""
    with uow:
        result = uow.db.execute(
            delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow()))
        )
        uow.commit()
        return result.rowcount or 0
