"""Analytics: KPIs, what to reorder (forecasts, reorder points), who the customers are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ReadUowDep, SettingsDep, UowDep, require
from dispatch.analytics import replenishment as service
from dispatch.analytics.customer_report import customer_report
from dispatch.analytics.kpi_report import kpi_report
from dispatch.analytics.schemas import (
    CustomersRead,
    KpiReportRead,
    PeriodQuery,
    ReplenishmentQuery,
    ReplenishmentRead,
    TimeLostRead,
)
from dispatch.analytics.time_lost_report import time_lost_report
from dispatch.auth.roles import Role
from dispatch.common.clock import now as clock_now

router = APIRouter(prefix="/analytics", tags=["analytics"])

Readers = Depends(require(Role.ADMIN, Role.OPERATOR, Role.DISPATCHER))
Writers = Depends(require(Role.ADMIN, Role.OPERATOR))


@router.get("/kpis", dependencies=[Readers], response_model_by_alias=True)
def kpis(uow: ReadUowDep, settings: SettingsDep,
         query: Annotated[PeriodQuery, Query()]) -> KpiReportRead:
    """On-time rate, lateness, first-attempt success, pick accuracy, fill rate and
    stockouts, returns by reason and SKU, ETA error by how far ahead it was shown, km and
    minutes per delivery, stops per hour, utilisation, revenue and refunds: for the days
    ``from`` to ``to`` (UTC, inclusive), overall and per ``group_by``. Ratios with nothing
    to divide by are null."""
    return kpi_report(uow, query, now=clock_now(), currency=settings.currency)


@router.get("/time-lost", dependencies=[Readers])
def time_lost(uow: ReadUowDep, query: Annotated[PeriodQuery, Query()]) -> TimeLostRead:
    """Planned against actual for the stops served ``from`` to ``to``: minutes driven
    against the plan, waited for windows to open and spent at the door against the
    service time, and how far service began from the planned ETA; overall, per
    ``group_by`` and for the routes that lost the most time."""
    return time_lost_report(uow, query)


@router.get("/replenishment", dependencies=[Readers])
def replenishment(
    uow: ReadUowDep, query: Annotated[ReplenishmentQuery, Query()]
) -> ReplenishmentRead:
    """Each stock level's demand forecast (model chosen from its history), reorder point
    (demand over the lead time + safety stock for the service level) and the quantity to
    order now; levels to order come first."""
    return service.replenishment(uow, query, now=clock_now())


@router.post("/replenishment/apply", dependencies=[Writers])
def apply_replenishment(uow: UowDep, body: ReplenishmentQuery) -> ReplenishmentRead:
    """Set each level's reorder point and safety stock from its forecast, so the low-stock
    alerts (``GET /stock/alerts``) use them; answers the advice that was applied."""
    return service.apply_points(uow, body, now=clock_now())


@router.get("/customers", dependencies=[Readers])
def customers(
    uow: ReadUowDep, months: Annotated[int, Query(ge=1, le=36)] = 6
) -> CustomersRead:
    """RFM segments (recency, frequency and spend scored 1-5 by quintile), the share of
    customers who ordered more than once, and retention by first-order month."""
    return customer_report(uow, now=clock_now(), months=months)
