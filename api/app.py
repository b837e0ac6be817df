"""The FastAPI application: ``uvicorn api.app:app``.

``create_app`` builds an app around given settings (tests pass their own database); the
module-level ``app`` reads ``DISPATCH_*`` from the environment. The database is migrated
on start unless ``DISPATCH_MIGRATE_ON_START=false``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI

from api.body_limit import BodySizeLimit
from api.deps import storable_url_text
from api.docs import install_offline_docs
from api.problems import install_problem_handlers
from api.rate_limit import RateLimiter
from api.routes import ROUTERS
from dispatch import __version__
from dispatch.auth.token_cache import TokenCache
from dispatch.db.database import Database
from dispatch.geocoding.db_cache import geocoder_for
from dispatch.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """An app bound to ``settings`` (default: the environment's)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.worker_threads:
            # Sync routes run on anyio's thread pool; fewer threads contend less for the GIL.
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        db = database or Database.from_settings(settings)
        if settings.migrate_on_start:
            db.migrate()
        app.state.database = db
        app.state.geocoder = geocoder_for(settings, db) if settings.geocoder != "none" else None
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="dispatch",
        version=__version__,
        summary="Orders, stock, payments and returns for a delivery operation.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(storable_url_text)],
    )
    install_offline_docs(app)
    app.state.settings = settings
    app.state.token_cache = TokenCache(settings.token_cache_seconds)
    app.state.ping_limiter = RateLimiter(settings.ping_rate_per_minute, settings.ping_burst)
    if database is not None:
        app.state.database = database
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


app = create_app()
