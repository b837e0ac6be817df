"""Dependencies shared by the routes: settings, units of work, the caller, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal, principal_for_token
from dispatch.common.schemas import MAX_ID
from dispatch.db.database import Database
from dispatch.db.uow import UnitOfWork
from dispatch.errors import DomainError, Forbidden, Invalid, PreconditionFailed
from dispatch.settings import Settings


class Unauthorised(DomainError):
    status = 401
    title = "Unauthorized"
    code = "unauthorised"


# Dependencies that do no I/O are ``async def``: FastAPI runs sync ones on the thread
# pool, a hand-off per dependency per request.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_uow(database: Annotated[Database, Depends(get_database)]) -> UnitOfWork:
    return database.uow()


async def get_read_uow(database: Annotated[Database, Depends(get_database)]) -> UnitOfWork:
    return database.read_uow()


SettingsDep = Annotated[Settings, Depends(get_settings)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ReadUowDep = Annotated[UnitOfWork, Depends(get_read_uow)]
"""For endpoints that only read: no write lock on SQLite."""

_bearer = HTTPBearer(auto_error=False, description="a token from `dispatch users create`")


async def get_principal(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("send Authorization: Bearer <token>", field="Authorization")
    token = credentials.credentials

    def load() -> Principal | None:
        with database.read_uow() as uow:
            return principal_for_token(db=uow.db, token=token)

    # Async, with the database read off the loop only on a cache miss: a sync dependency
    # would cost every request a hand-off to the thread pool.
    cache = request.app.state.token_cache
    principal = cache.cached(token)
    if principal is None:
        principal = await run_in_threadpool(load)
        cache.store(token, principal)
    if principal is None:
        raise Unauthorised("unknown or revoked token", field="Authorization")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role):
    """A dependency admitting only ``roles``; others get 403."""
    allowed = frozenset(roles)

    async def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"{principal.role.value} may not do this (allowed: {names})")
        return principal

    return _check


class Page:
    """Keyset paging: ``limit`` items after id ``after``."""

    def __init__(self, limit: int, after: int | None) -> None:
        self.limit = limit
        self.after = after


async def page_params(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, description="page size")] = None,
    cursor: Annotated[str | None, Query(max_length=20, description="next_cursor")] = None,
) -> Page:
    """Read ``limit`` and ``cursor``; the page-size cap comes from settings."""
    size = settings.page_size_default if limit is None else limit
    if size > settings.page_size_max:
        raise Invalid(f"limit may be at most {settings.page_size_max}", field="limit")
    after: int | None = None
    if cursor is not None:
        # isascii: str.isdigit() also accepts "²" and "١", which int() refuses or
        # misreads; and a cursor is an id, so it fits the id range.
        if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > MAX_ID:
            raise Invalid("cursor must be a next_cursor value from a previous page", field="cursor")
        after = int(cursor)
    return Page(size, after)


PageDep = Annotated[Page, Depends(page_params)]


async def expected_version(
    if_match: Annotated[str | None, Header(max_length=64, description="ETag of the version you read")] = None,
) -> int | None:
    """Parse ``If-Match: "3"`` (weak or strong); None when the header is absent."""
    if if_match is None:
        return None
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()):  # isdigit alone admits "²", which int() refuses
        raise PreconditionFailed("If-Match must be an ETag this API returned", field="If-Match")
    return int(value)


IfMatchDep = Annotated[int | None, Depends(expected_version)]


def etag(version: int) -> str:
    return f'"{version}"'


def caller(*roles: Role):
    """``Annotated`` type for a route parameter receiving the caller, limited to ``roles``."""
    return Annotated[Principal, Depends(require(*roles))]


async def storable_url_text(request: Request) -> None:
    """Refuse a NUL character in a path or query parameter (422 naming it).

    PostgreSQL text cannot hold NUL, so a lookup such as ``GET /stock/1/A%00B`` would
    otherwise fail in the database (500). Request bodies are checked by ``Command``.
    """
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(f"{name} must not contain NUL characters", field=name)
