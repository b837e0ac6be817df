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
from dispatch.events.relay_thread import RelayThread
from dispatch.geocoding.db_cache import geocoder_for
from dispatch.planning.recovery import fail_interrupted_plans
from dispatch.planning.scheduler import WaveScheduler
from dispatch.settings import Settings, get_settings
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.ping_writer import PingWriter

log = logging.getLogger(__name__)


def _recover_plans(db: Database) -> None:
    """Fail the plans a stopped process left queued or running (before any thread starts);
    a failure here is logged, never stops the API from starting."""
    try:
        fail_interrupted_plans(db)
    except Exception:
        log.exception("could not check for plans interrupted by a restart")


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
        if db.wakeups is not None:
            db.wakeups.start()  # this process's streams wake when any process publishes
        # Pings are written in batches by one thread per process (group commit).
        ping_writer = PingWriter(db, eta_limits=EtaLimits.from_settings(settings),
                                 max_batch=settings.ping_batch_max)
        ping_writer.start()
        app.state.ping_writer = ping_writer
        app.state.geocoder = geocoder_for(settings, db) if settings.geocoder != "none" else None
        if settings.plan_recovery_on_start and not settings.broker_url:
            _recover_plans(db)  # on workers, queued plans outlive this process
        # The outbox relay (webhooks, customer notifications) in the background; tests
        # turn it off and call ``relay_once`` themselves.
        relay = RelayThread(db, settings) if settings.relay_enabled else None
        if relay is not None:
            relay.start()
        # Automatic waves from the warehouses' batch policies; tests call ``run_due_waves``.
        scheduler = WaveScheduler(db, settings) if settings.wave_scheduler_enabled else None
        app.state.wave_scheduler = scheduler
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            if relay is not None:
                relay.stop()
            ping_writer.stop()
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
