"""``dispatch worker``: a Celery worker solving plans queued by the API processes."""

from __future__ import annotations

from typing import Annotated

import typer

from dispatch.settings import Settings


def worker_command(
    concurrency: Annotated[int, typer.Option(min=1, max=64,
                                             help="plans solved at once (processes)")] = 2,
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Solve the plans the API queues on DISPATCH_BROKER_URL, one per process at a time."""
    settings = Settings()
    if not settings.broker_url:
        raise ValueError("DISPATCH_BROKER_URL is not set: workers take plans from a broker "
                         "(e.g. redis://127.0.0.1:6379/0)")
    if loglevel.lower() not in {"debug", "info", "warning", "error"}:
        raise ValueError(f"--loglevel: expected debug, info, warning or error, got {loglevel!r}")
    from dispatch.workers import plan_tasks  # noqa: F401 (registers the tasks)
    from dispatch.workers.celery_app import QUEUE, celery_app

    celery_app().worker_main(["worker", f"--concurrency={concurrency}",
                              f"--loglevel={loglevel.upper()}", "--queues", QUEUE,
                              "--without-gossip", "--without-mingle"])
