"""Running a POST under an ``Idempotency-Key`` (Stripe's semantics; see the service)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.problems import PROBLEM_JSON, domain_problem
from dispatch.auth.service import Principal
from dispatch.db.uow import UnitOfWork
from dispatch.errors import DomainError
from dispatch.idempotency import service as keys

IdempotencyKeyDep = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=255,
           description="retry-safe key; the same key and body replay the first response"),
]

REPLAYED_HEADER = "Idempotent-Replayed"


def run_idempotent(
    request: Request,
    principal: Principal,
    key: str | None,
    payload: BaseModel | dict | None,
    uow: UnitOfWork,
    action: Callable[[], BaseModel],
    *,
    status_code: int = 200,
    headers: Callable[[BaseModel], dict[str, str]] = lambda _: {},
) -> Response:
    """Run ``action`` (which works through ``uow``) once per key; replay its stored response
    on retries.

    The key is marked committed inside the action's own transaction, so if the process dies
    between committing the work and storing the response, a retry is refused (409) rather
    than doing the work twice.
    """
    if key is None:
        result = action()
        return JSONResponse(result.model_dump(mode="json"), status_code, headers=headers(result))
    settings = request.app.state.settings
    database = request.app.state.database
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    fingerprint = keys.request_fingerprint(request.method, request.url.path, body)
    key_id, stored = keys.begin(
        database.uow(), owner_user_id=principal.user_id, key=key, fingerprint=fingerprint,
        ttl=settings.idempotency_ttl,
        stale_after=timedelta(seconds=settings.idempotency_stale_seconds),
    )
    if stored is not None:
        media = stored.headers.pop("content-type", "application/json")
        return Response(stored.body, stored.status, media_type=media,
                        headers={**stored.headers, REPLAYED_HEADER: "true"})
    uow.before_commit(lambda db: keys.mark_committed(db, key_id))
    try:
        result = action()
    except DomainError as exc:
        response = domain_problem(exc, request.url.path)
        keys.finish(database.uow(), key_id, keys.StoredResponse(
            exc.status, response.body.decode(), {"content-type": PROBLEM_JSON}))
        return response
    except BaseException:
        keys.release(database.uow(), key_id)
        raise
    extra = headers(result)
    content = json.dumps(result.model_dump(mode="json"), separators=(",", ":"))
    keys.finish(database.uow(), key_id, keys.StoredResponse(status_code, content, extra))
    return Response(content, status_code, media_type="application/json", headers=extra)
