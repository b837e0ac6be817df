"""The KPI report of a period: overall and per group, with readable group labels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.analytics.kpi_rows import load_facts
from dispatch.analytics.kpis import grouped, kpis
from dispatch.analytics.schemas import KpiGroupRead, KpiReportRead, PeriodQuery
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid
from dispatch.fleet.models import Driver
from dispatch.stock.models import Warehouse

MAX_DAYS = 366


def period(query: PeriodQuery) -> tuple[datetime, datetime]:
    """[start, end) in UTC for the days ``from`` to ``to`` inclusive; 422 when reversed or
    longer than a year."""
    if query.end < query.start:
        raise Invalid("to must not be before from", field="to")
    if (query.end - query.start).days + 1 > MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", field="to")
    start = datetime.combine(query.start, time(), tzinfo=UTC)
    return start, datetime.combine(query.end, time(), tzinfo=UTC) + timedelta(days=1)


def kpi_report(uow: UnitOfWork, query: PeriodQuery, *, now: datetime,
               currency: str) -> KpiReportRead:
    start, end = period(query)
    with uow:
        facts = load_facts(uow.db, start, end, now, query.zone_precision)
        labels = group_labels(uow.db, query.group_by, facts.keys_of(query.group_by)
                              if query.group_by else [])
    groups = [] if query.group_by is None else [
        KpiGroupRead(key=str(key), label=labels.get(key, str(key)), kpis=figures)
        for key, figures in grouped(facts, query.group_by)]
    return KpiReportRead(start=query.start, end=query.end, group_by=query.group_by,
                         currency=currency, overall=kpis(facts), groups=groups)


def group_labels(db: Session, group: str | None, keys: Sequence) -> dict:
    """Drivers' names and warehouses' codes for their ids; other keys label themselves."""
    if group == "driver":
        return dict(db.execute(select(Driver.id, Driver.name).where(Driver.id.in_(keys))).all())
    if group == "warehouse":
        return dict(db.execute(select(Warehouse.id, Warehouse.code)
                               .where(Warehouse.id.in_(keys))).all())
    return {}
