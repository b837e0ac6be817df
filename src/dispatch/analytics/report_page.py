"""``dispatch report``: the period's KPIs as one offline HTML page, charts first (people
would rather look than read), then tables per driver, warehouse and zone, where the time
went against the plan, then the map.

Everything is in the file: charts are inline SVG (``charts``), the map is an
``OfflineMap`` in an ``iframe srcdoc``. Nothing is fetched when it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dispatch.analytics import charts
from dispatch.analytics.kpi_report import group_labels, period
from dispatch.analytics.kpi_rows import load_facts
from dispatch.analytics.kpis import Kpis, grouped, kpis
from dispatch.analytics.period_map import period_map
from dispatch.analytics.schemas import KpiGroupRead, KpiReportRead, PeriodQuery
from dispatch.analytics.stop_visits import stop_visits
from dispatch.analytics.time_lost import TimeLost, time_lost, worst_routes
from dispatch.db.uow import UnitOfWork
from dispatch.notifications.templates import format_money

WORST_ZONES = 10
WORST_ROUTES = 10
MIN_ZONE_ORDERS = 3  # a zone with fewer orders is noise, not a pattern


@dataclass(frozen=True)
class Row:
    label: str
    kpis: Kpis


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("dispatch.analytics", "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v, digits=1: "n/a" if v is None else f"{v:,.{digits}f}"
    return env


@dataclass(frozen=True)
class ReportPage:
    html: str
    by_day: KpiReportRead  # the same figures, grouped by day (for JSON)


def report_page(uow: UnitOfWork, query: PeriodQuery, *, now: datetime,
                currency: str) -> ReportPage:
    """The whole report page for ``query``'s period (its ``group_by`` is ignored: the
    report shows every grouping), read from the database once."""
    start, end = period(query)
    with uow:
        db = uow.db
        facts = load_facts(db, start, end, now, query.zone_precision)
        by = {group: grouped(facts, group) for group in ("day", "driver", "warehouse", "zone")}
        fmap = period_map(db, start, end, now, by["zone"])
        visits = stop_visits(db, start, end, query.zone_precision)
        drivers = group_labels(db, "driver", facts.keys_of("driver")
                               + [v.keys.driver for v in visits])
        warehouses = group_labels(db, "warehouse", facts.keys_of("warehouse"))
    overall = kpis(facts)
    driver_rows = [Row(drivers.get(k, str(k)), v) for k, v in by["driver"]]
    zones = sorted((Row(str(k), v) for k, v in by["zone"] if v.orders >= MIN_ZONE_ORDERS),
                   key=lambda r: (r.kpis.on_time_rate if r.kpis.on_time_rate is not None
                                  else 2.0, -r.kpis.orders))
    lost = time_lost(visits)
    html = _environment().get_template("kpi_report.html").render(
        lost=lost, worst_routes=[(drivers.get(r.driver, str(r.driver)), r)
                                 for r in worst_routes(visits, WORST_ROUTES)],
        query=query, now=now, currency=currency, overall=overall,
        money=lambda minor: format_money(minor, currency),
        charts=_charts(overall, lost, by["day"], driver_rows, zones[:WORST_ZONES]),
        days=[Row(str(k), v) for k, v in by["day"]], drivers=driver_rows,
        warehouses=[Row(warehouses.get(k, str(k)), v) for k, v in by["warehouse"]],
        zones=zones[:WORST_ZONES], min_zone_orders=MIN_ZONE_ORDERS,
        map_html=fmap.get_root().render())
    by_day = KpiReportRead(start=query.start, end=query.end, group_by="day", currency=currency,
                           overall=overall, groups=[KpiGroupRead(key=str(k), label=str(k), kpis=v)
                                                    for k, v in by["day"]])
    return ReportPage(html, by_day)


def _charts(overall: Kpis, lost: TimeLost, days, drivers: list[Row],
            zones: list[Row]) -> dict[str, Markup]:
    pct = charts.percent
    made = {
        "time_lost": charts.bar_chart(
            "Minutes against plan (all stops)",
            [("driving over plan", lost.drive_extra_min), ("waiting for windows", lost.wait_min),
             ("at the door over plan", lost.service_extra_min)],
            top=max(1.0, lost.drive_extra_min, lost.wait_min, lost.service_extra_min)),
        "on_time_by_day": charts.line_chart(
            "On time, by day", [(str(k), v.on_time_rate) for k, v in days], fmt=pct, top=1.0),
        "deliveries_by_day": charts.bar_chart(
            "Deliveries, by day", [(str(k), float(v.delivered)) for k, v in days],
            fmt=lambda v: f"{v:.0f}"),
        "eta_by_lead": charts.bar_chart(
            "ETA error (mean, min) by how far ahead it was shown",
            [(f"{b.lead} min ahead", b.mae_min) for b in overall.eta_by_lead]),
        "on_time_by_driver": charts.bar_chart(
            "On time, by driver", [(r.label, r.kpis.on_time_rate) for r in drivers],
            fmt=pct, top=1.0),
        "worst_zones": charts.bar_chart(
            "Zones with the lowest on-time rate", [(r.label, r.kpis.on_time_rate)
                                                   for r in zones], fmt=pct, top=1.0),
        "returns_by_reason": charts.bar_chart(
            "Units returned, by reason",
            [(reason, float(units)) for reason, units in overall.returns_by_reason.items()],
            fmt=lambda v: f"{v:.0f}"),
    }
    return {name: Markup(svg) for name, svg in made.items()}  # noqa: S704 (built escaped)
