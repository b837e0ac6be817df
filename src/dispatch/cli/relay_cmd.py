"""``dispatch relay``: the outbox relay as a process of its own.

Run it next to API processes started with ``DISPATCH_RELAY_ENABLED=false`` (or beside
them: on PostgreSQL relays share the work without doing any twice).
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from dispatch.cli.service_cmds import UrlOption, _database, _settings


def relay_command(
    once: Annotated[bool, typer.Option("--once", help="one pass, print what it did, exit")] = False,
    url: UrlOption = None,
) -> None:
    """Deliver outbox events to webhooks and customer notifications (until Ctrl-C or
    SIGTERM, after the pass under way)."""
    from dispatch.events.relay import relay_once
    from dispatch.events.relay_thread import RelayThread

    settings = _settings(url)
    database = _database(settings)
    try:
        if settings.migrate_on_start:
            database.migrate()
        if once:
            counts = relay_once(database, settings)
            typer.echo(f"events {counts.events}, deliveries queued {counts.deliveries_queued},"
                       f" notifications queued {counts.notifications_queued},"
                       f" webhooks {counts.webhooks}, notifications {counts.notifications}")
            return
        relay = RelayThread(database, settings)
        # Stop between passes, not in the middle of one: a send cut short would be sent
        # again by the next relay, a webhook or an email twice.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: relay.stop())
        typer.echo(f"relaying from {settings.database_url} every "
                   f"{settings.relay_interval_seconds:g} s; Ctrl-C or SIGTERM stops")
        relay.run()
        typer.echo("relay stopped")
    finally:
        database.dispose()
