"""Errors as ``application/problem+json`` (RFC 9457), each naming the offending field."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dispatch.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:dispatch:problem:"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    field: str | None = None,
    members: dict[str, Any] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build a problem document; extra ``members`` are added as extension fields."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    members = {**(members or {}), **extra}
    # Extension members never replace the standard ones.
    body.update({k: v for k, v in members.items() if v is not None and k not in body})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError, instance: str) -> JSONResponse:
    """The problem document for a service error, with its extra members."""
    members = {k: v for k, v in exc.extra.items() if k not in ("code", "instance", "headers")}
    retry = exc.extra.get("retry_after_seconds")
    headers = {"Retry-After": str(max(1, math.ceil(retry)))} if retry is not None else None
    return problem_response(exc.status, exc.title, exc.detail, code=exc.code, instance=instance,
                            field=exc.field, members=members, headers=headers)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "lines", 0, "quantity")`` → ``lines[0].quantity``."""
    parts: list[str] = []
    items = list(loc)
    if items and items[0] in ("body", "query", "path", "header", "cookie"):
        items = items[1:]
    for item in items:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "body"


def _status_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json response."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": field_path(err.get("loc", ())), "message": err.get("msg", "invalid")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return problem_response(
            422,
            "Invalid request",
            f"{first['field']}: {first['message']}",
            code="validation_error",
            instance=request.url.path,
            field=first["field"],
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _status_title(exc.status_code)
        return problem_response(
            exc.status_code,
            _status_title(exc.status_code),
            detail,
            code=_status_title(exc.status_code).lower().replace(" ", "_"),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "Internal server error",
            "the server failed to handle this request; it has been logged",
            code="internal_error",
            instance=request.url.path,
        )
