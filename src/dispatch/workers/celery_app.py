"""The Celery application: Redis as broker, tasks acknowledged only once done.

Late acknowledgement with ``reject_on_worker_lost`` means a task whose worker process dies
goes back on the queue instead of being lost; the broker's visibility timeout hands out
again a task whose whole worker (or machine) vanished. Tasks must therefore be safe to
run twice, which planning's are (``planning.jobs``). One task at a time per process
(prefetch 1): a solve holds its core for seconds.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from dispatch.settings import Settings, get_settings

SOLVE_PLAN = "dispatch.solve_plan"
QUEUE = "dispatch"


def make_celery(settings: Settings) -> Celery:
    return _celery(settings.broker_url, settings.broker_visibility_timeout_seconds)


@lru_cache(maxsize=4)
def _celery(broker_url: str | None, visibility_timeout: float) -> Celery:
    """One app per broker (connections are pooled per app)."""
    app = Celery("dispatch", broker=broker_url, include=["dispatch.workers.plan_tasks"])
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_ignore_result=True, task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        # A request queuing a plan should hear quickly that the broker is down (503).
        broker_connection_timeout=3, task_publish_retry_policy={
            "max_retries": 2, "interval_start": 0.2, "interval_step": 0.5,
            "interval_max": 1.0},
        broker_transport_options={"visibility_timeout": visibility_timeout},
    )
    return app


def celery_app() -> Celery:
    """The app of this process's settings (what ``dispatch worker`` runs)."""
    return make_celery(get_settings())
