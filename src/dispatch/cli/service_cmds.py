"""Service commands: ``db upgrade``, ``users create``, ``serve`` and ``demo``."""

from __future__ import annotations

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
    orders: Annotated[int, typer.Option(help="demo orders to place on first run")] = 40,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="start the API")] = True,
    url: UrlOption = None,
) -> None:
    """Seed the demo operation (first run), print fresh tokens, then serve the API."""
    from dispatch.demo.seed import seed_demo

    settings = _settings(url)
    database = _database(settings)
    try:
        database.migrate()
        demo = seed_demo(database, settings, orders=orders)
    finally:
        database.dispose()
    what = f"seeded {demo.orders} orders" if demo.seeded else "existing demo data kept"
    console.print(f"[bold]dispatch demo[/] on {settings.database_url}: {what}")
    table = Table("role", "bearer token", title="Demo tokens (new on every run)")
    for role, token in demo.tokens.items():
        table.add_row(role, token)
    console.print(table)
    base = f"http://{host}:{port}"
    console.print(f"API: {base}   docs: {base}/docs   try:", soft_wrap=True)
    console.print(f'  curl -H "Authorization: Bearer {demo.tokens["dispatcher"]}" {base}/orders',
                  soft_wrap=True, highlight=False)
    console.print(f'  curl -H "Authorization: Bearer {demo.tokens["dispatcher"]}" {base}/waves',
                  soft_wrap=True, highlight=False)
    if demo.tracking_token:
        console.print(f"a customer's tracking page: {base}/track/{demo.tracking_token}/page",
                      soft_wrap=True, highlight=False)
    console.print(f"customer notifications are written to {settings.notification_log_path}",
                  soft_wrap=True, highlight=False)
    if serve:
        serve_command(host=host, port=port)
