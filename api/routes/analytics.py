"""Analytics: what to reorder (forecasts, reorder points) and who the customers are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ReadUowDep, UowDep, require
from dispatch.analytics import replenishment as service
from dispatch.analytics.customer_report import customer_report
from dispatch.analytics.reorder import ReorderPolicy
from dispatch.analytics.schemas import CustomersRead, ReplenishmentApply, ReplenishmentRead
from dispatch.auth.roles import Role
from dispatch.common.clock import now as clock_now
from dispatch.common.schemas import Id

router = APIRouter(prefix="/analytics", tags=["analytics"])

Readers = Depends(require(Role.ADMIN, Role.OPERATOR, Role.DISPATCHER))
Writers = Depends(require(Role.ADMIN, Role.OPERATOR))


@router.get("/replenishment", dependencies=[Readers])
def replenishment(
    uow: ReadUowDep,
    warehouse_id: Annotated[Id | None, Query()] = None,
    service_level: Annotated[float, Query(ge=0.5, le=0.999)] = 0.95,
    lead_days: Annotated[float, Query(ge=0, le=60)] = 2.0,
    review_days: Annotated[float, Query(ge=0, le=60)] = 7.0,
    history_days: Annotated[int, Query(ge=7, le=730)] = 182,
) -> ReplenishmentRead:
    """Each stock level's demand forecast (model chosen from its history), reorder point
    (demand over the lead time + safety stock for the service level) and the quantity to
    order now; levels to order come first."""
    policy = ReorderPolicy(service_level=service_level, lead_days=lead_days,
                           review_days=review_days)
    return service.replenishment(uow, warehouse_id=warehouse_id, policy=policy,
                                 history_days=history_days, now=clock_now())


@router.post("/replenishment/apply", dependencies=[Writers])
def apply_replenishment(uow: UowDep, body: ReplenishmentApply) -> ReplenishmentRead:
    """Set each level's reorder point and safety stock from its forecast, so the low-stock
    alerts (``GET /stock/alerts``) use them; answers the advice that was applied."""
    policy = ReorderPolicy(service_level=body.service_level, lead_days=body.lead_days,
                           review_days=body.review_days)
    return service.apply_points(uow, warehouse_id=body.warehouse_id, policy=policy,
                                history_days=body.history_days, now=clock_now())


@router.get("/customers", dependencies=[Readers])
def customers(
    uow: ReadUowDep, months: Annotated[int, Query(ge=1, le=36)] = 6
) -> CustomersRead:
    """RFM segments (recency, frequency and spend scored 1-5 by quintile), the share of
    customers who ordered more than once, and retention by first-order month."""
    return customer_report(uow, now=clock_now(), months=months)
