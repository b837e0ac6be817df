"""``dispatch report``: the KPIs of a period from the service's database, as a table on the
terminal, an offline HTML page (charts, tables, map) and optionally JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from dispatch.errors import DomainError
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.analytics.schemas import KpiReportRead

console = Console()


def report_command(
    start: Annotated[datetime, typer.Option("--from", help="first day (UTC)", formats=["%Y-%m-%d"])],
    end: Annotated[datetime, typer.Option("--to", help="last day (UTC), included",
                                          formats=["%Y-%m-%d"])],
    html: Annotated[Path, typer.Option("--html", help="write the report page here")] = Path(
        "out/report.html"),
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="also write the KPIs, grouped by day, as JSON here")] = None,
    zone_precision: Annotated[int, typer.Option(help="geohash length of a zone (4-8)")] = 6,
    url: Annotated[str | None, typer.Option(
        "--url", help="database URL (default: DISPATCH_DATABASE_URL)")] = None,
) -> None:
    """Report the KPIs of the days --from to --to."""
    from dispatch.analytics.report_page import report_page
    from dispatch.analytics.schemas import PeriodQuery
    from dispatch.db.database import Database

    settings = Settings(database_url=url) if url else Settings()
    try:
        query = PeriodQuery(start=start.date(), end=end.date(),
                            zone_precision=zone_precision)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{first['loc'][-1]}: {first['msg']}") from None
    database = Database.from_settings(settings)
    try:
        page = report_page(database.read_uow(), query, now=datetime.now(UTC),
                           currency=settings.currency)
    except DomainError as exc:
        raise ValueError(f"{exc.field}: {exc.detail}" if exc.field else exc.detail) from None
    except SQLAlchemyError as exc:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        raise ValueError(f"cannot read the database at {where} "
                         f"({type(exc).__name__}); is it migrated? (dispatch db upgrade)") from None
    finally:
        database.dispose()
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(page.html, encoding="utf-8")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(page.by_day.model_dump_json(by_alias=True, indent=2) + "\n")
    console.print(_headline(page.by_day))
    console.print(f"report: [bold]{html}[/]" + (f", JSON: [bold]{json_out}[/]"
                                                 if json_out else ""))


def _headline(report: KpiReportRead) -> Table:
    k = report.overall
    table = Table(title=f"KPIs {report.start} to {report.end}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [("orders due", f"{k.orders}"), ("delivered", f"{k.delivered}"),
            ("on time", _pct(k.on_time_rate)),
            ("lateness mean / p90 (min)", f"{_num(k.lateness_mean_min)} / {_num(k.lateness_p90_min)}"),
            ("first-attempt success", _pct(k.first_attempt_success)),
            ("pick mismatches per 100", _num(k.pick_mismatches_per_100)),
            ("fill rate", _pct(k.fill_rate)), ("stockout events", f"{k.stockout_events}"),
            ("return rate", _pct(k.return_rate)),
            ("ETA error mean / p90 (min)", f"{_num(k.eta_mae_min)} / {_num(k.eta_p90_min)}"),
            ("km per delivery", _num(k.km_per_delivery, 2)),
            ("minutes per delivery", _num(k.minutes_per_delivery)),
            ("stops per route-hour", _num(k.stops_per_route_hour)),
            ("driver utilisation", _pct(k.driver_utilisation)),
            ("revenue / refunds", f"{k.revenue_minor / 100:,.2f} / {k.refunds_minor / 100:,.2f} "
                                  f"{report.currency}")]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"

