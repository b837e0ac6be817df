"""The KPI report of a period: overall and per group, with readable group labels."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from dispatch.analytics.kpi_facts import Facts
from dispatch.analytics.kpi_rows import load_facts
from dispatch.analytics.kpis import grouped, kpis
from dispatch.analytics.schemas import KpiGroupRead, KpiQuery, KpiReportRead
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid
from dispatch.fleet.models import Driver
from dispatch.stock.models import Warehouse

MAX_DAYS = 366


def period(query: KpiQuery) -> tuple[datetime, datetime]:
    """[start, end) in UTC for the days ``from`` to ``to`` inclusive; 422 when reversed or
    longer than a year."""
    if query.end < query.start:
        raise Invalid("to must not be before from", field="to")
    if (query.end - query.start).days + 1 > MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", field="to")
    start = datetime.combine(query.start, time(), tzinfo=UTC)
    return start, datetime.combine(query.end, time(), tzinfo=UTC) + timedelta(days=1)


def kpi_report(uow: UnitOfWork, query: KpiQuery, *, now: datetime,
               currency: str) -> KpiReportRead:
    start, end = period(query)
    with uow:
        facts = load_facts(uow.db, start, end, now, query.zone_precision)
        labels = _labels(uow, facts, query.group_by)
    groups = [] if query.group_by is None else [
        KpiGroupRead(key=str(key), label=labels.get(key, str(key)), kpis=figures)
        for key, figures in grouped(facts, query.group_by)]
    return KpiReportRead(start=query.start, end=query.end, group_by=query.group_by,
                         currency=currency, overall=kpis(facts), groups=groups)


def _labels(uow: UnitOfWork, facts: Facts, group: str | None) -> dict:
    if group == "driver":
        return dict(uow.db.execute(select(Driver.id, Driver.name)
                                   .where(Driver.id.in_(facts.keys_of("driver")))).all())
    if group == "warehouse":
        return dict(uow.db.execute(select(Warehouse.id, Warehouse.code)
                                   .where(Warehouse.id.in_(facts.keys_of("warehouse")))).all())
    return {}
