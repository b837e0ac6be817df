"""Service commands: ``db upgrade``, ``users create``, ``serve`` and ``demo``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dispatch.auth.roles import Role
from dispatch.errors import DomainError
from dispatch.settings import Settings

console = Console()

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="database URL (default: DISPATCH_DATABASE_URL)")
]


def _settings(url: str | None) -> Settings:
    return Settings(database_url=url) if url else Settings()


def _database(settings: Settings):
    from dispatch.db.database import Database

    return Database.from_settings(settings)


@db_app.command("upgrade")
def db_upgrade(url: UrlOption = None) -> None:
    """Apply every pending migration."""
    settings = _settings(url)
    database = _database(settings)
    try:
        database.migrate()
        with database.engine.connect() as conn:
            from dispatch.db.migrate import current_revision

            revision = current_revision(conn)
    finally:
        database.dispose()
    console.print(f"database at revision [bold]{revision}[/] ({settings.database_url})")


@users_app.command("create")
def users_create(
    role: Annotated[Role, typer.Option("--role", help="admin, dispatcher, operator or driver")],
    driver: Annotated[int | None, typer.Option("--driver", help="driver id (drivers only)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="who holds the token")] = None,
    url: UrlOption = None,
) -> None:
    """Create a user and print its bearer token (shown this once)."""
    from dispatch.auth.service import create_user

    database = _database(_settings(url))
    try:
        database.migrate()
        with database.uow() as uow:
            try:
                _, token = create_user(db=uow.db, name=name or role.value, role=role,
                                       driver_id=driver)
            except DomainError as exc:
                raise ValueError(f"{exc.field}: {exc.detail}" if exc.field else exc.detail) from None
            uow.commit()
    finally:
        database.dispose()
    typer.echo(token)


def serve_command(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the API (migrating the database on start)."""
    import uvicorn

    uvicorn.run("api.app:app", host=host, port=port, workers=workers, log_level="info")


def demo_command(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    orders: Annotated[int, typer.Option(min=0, help="demo orders to place on first run")] = 24,
    scenario: Annotated[Path | None, typer.Option(
        help="scenario to seed on first run (default scenarios/restaurant-lunch.yaml)")] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="start the API")] = True,
    url: UrlOption = None,
) -> None:
    """Seed the demo operation (first run), print fresh tokens, then serve the API."""
    from dispatch.demo.day import DEFAULT_SCENARIO
    from dispatch.demo.seed import seed_demo
    from dispatch.scenarios.loading import load_scenario
    from dispatch.sim.run import scenario_settings

    day = load_scenario(scenario or DEFAULT_SCENARIO)
    operation = {key: value for key, value in scenario_settings(day).items()
                 if f"DISPATCH_{key.upper()}" not in os.environ and value is not None}
    settings = _settings(url).model_copy(update=operation)
    database = _database(settings)
    try:
        database.migrate()
        demo = seed_demo(database, settings, scenario=day, orders=orders)
    finally:
        database.dispose()
    base = f"http://{host}:{port}"
    _print_demo(demo, day.name, settings, base)
    if serve:
        # The app reads its settings from the environment: serve the database just seeded,
        # and let customers' tracking links point at this server.
        os.environ["DISPATCH_DATABASE_URL"] = settings.database_url
        os.environ.setdefault("DISPATCH_PUBLIC_URL", base)
        for key, value in operation.items():  # the scenario's way of running its waves
            os.environ[f"DISPATCH_{key.upper()}"] = str(value).lower()
        serve_command(host=host, port=port)


def _print_demo(demo, scenario: str, settings: Settings, base: str) -> None:
    if demo.lunch is not None:
        lunch = demo.lunch
        what = (f"seeded {scenario}: {lunch.placed} orders placed ({lunch.on_routes} on the "
                f"road, {lunch.ready} ready for a wave, "
                f"{lunch.placed - lunch.on_routes - lunch.ready} being prepared)")
        if lunch.refused:
            what += f", {lunch.refused} refused (a declined card or no stock)"
    else:
        what = f"existing demo data kept ({demo.shifts_added} driver shifts added for today)"
    console.print(f"[bold]dispatch demo[/] on {settings.database_url}: {what}",
                  soft_wrap=True, highlight=False)
    if demo.seeded and demo.opens_at is not None:
        console.print(f"the scenario's day is slid to now: its {demo.opens_at_scenario} is "
                      f"{demo.opens_at:%H:%M %Z} here", soft_wrap=True, highlight=False)
    table = Table("role", "bearer token", title="Demo tokens (new on every run)")
    for role, token in demo.tokens.items():
        table.add_row(role, token)
    console.print(table)
    driver = demo.driver_on_route or next(
        (role for role in demo.tokens if role.startswith("driver ")), None)
    examples = [("dispatcher", "/waves"), ("operator", "/stock"), ("admin", "/users")]
    if driver:
        examples.append((driver, "/drivers/me/route"))
    console.print(f"dispatcher page: {base}/  (sign in with the dispatcher token)   "
                  f"API docs: {base}/docs", soft_wrap=True, highlight=False)
    for role, path in examples:
        console.print(f'  {role}: curl -H "Authorization: Bearer {demo.tokens[role]}" '
                      f"{base}{path}", soft_wrap=True, highlight=False)
    if demo.tracking_token:
        console.print(f"  customer: curl {base}/track/{demo.tracking_token}   "
                      f"page: {base}/track/{demo.tracking_token}/page",
                      soft_wrap=True, highlight=False)
    console.print(f"customer notifications are written to {settings.notification_log_path}",
                  soft_wrap=True, highlight=False)
