"""Finding the returns a caller may see or change, and turning them into response bodies."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.common.checks import check_version
from dispatch.common.schemas import page_of
from dispatch.db.paging import keyset
from dispatch.db.uow import UnitOfWork
from dispatch.errors import NotFound
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.models import Return, ReturnLine
from dispatch.returns.schemas import (
    PickupWindowRead,
    ReplacementLineRead,
    ReturnLineRead,
    ReturnRead,
)
from dispatch.stock.models import Sku


def _with_lines():
    return (selectinload(Return.lines), selectinload(Return.replacement_lines))


def return_reads(db: Session, returns: Sequence[Return]) -> list[ReturnRead]:
    """Bodies for ``returns``, looking every SKU code up in one query."""
    if not returns:
        return []
    sku_ids = {line.sku_id for r in returns for line in (*r.lines, *r.replacement_lines)}
    codes = dict(db.execute(select(Sku.id, Sku.code).where(Sku.id.in_(sku_ids))).all())
    return [
        ReturnRead(
            id=r.id, order_id=r.order_id, warehouse_id=r.warehouse_id, status=r.status,
            resolution=r.resolution, driver_id=r.driver_id,
            lines=[ReturnLineRead(id=line.id, order_line_id=line.order_line_id,
                                  sku=codes[line.sku_id], quantity=line.quantity,
                                  reason=line.reason, outcome=line.outcome,
                                  unit_price_minor=line.unit_price_minor)
                   for line in r.lines],
            replacement_lines=[ReplacementLineRead(id=line.id, sku=codes[line.sku_id],
                                                   quantity=line.quantity,
                                                   unit_price_minor=line.unit_price_minor)
                               for line in r.replacement_lines],
            pickup_window=(PickupWindowRead(start=r.pickup_window_start, end=r.pickup_window_end)
                           if r.pickup_window_start and r.pickup_window_end else None),
            refund_minor=r.refund_minor, exchange_order_id=r.exchange_order_id,
            rejection_reason=r.rejection_reason, version=r.version, created_at=r.created_at,
        )
        for r in returns
    ]


def return_read(db: Session, ret: Return) -> ReturnRead:
    return return_reads(db, [ret])[0]


def visible_return(db: Session, return_id: int, principal: Principal, *,
                   lock: bool = False) -> Return:
    """The return if the caller may see it; otherwise 404, whether or not it exists.

    Drivers see only returns they are to collect; staff see every return.
    """
    query = select(Return).where(Return.id == return_id).options(*_with_lines())
    if principal.role is Role.DRIVER:
        query = query.where(Return.driver_id == principal.driver_id)
    if lock:
        query = query.with_for_update(of=Return)
    ret = db.scalars(query).one_or_none()
    if ret is None:
        raise NotFound(f"return {return_id} does not exist", field="return_id")
    return ret


def load_for_change(db: Session, return_id: int, principal: Principal,
                    expected_version: int | None) -> Return:
    """Lock the return and refuse it when the caller read an older version (412)."""
    ret = visible_return(db, return_id, principal, lock=True)
    check_version("return", return_id, ret.version, expected_version)
    return ret


def units_in_returns(db: Session, order_id: int) -> dict[int, int]:
    """Units per order line already claimed by the order's returns that were not rejected."""
    rows = db.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.status != ReturnStatus.REJECTED.value)
        .group_by(ReturnLine.order_line_id)
    ).all()
    return {line_id: int(qty) for line_id, qty in rows}


def get_return(uow: UnitOfWork, return_id: int, principal: Principal) -> ReturnRead:
    with uow:
        return return_read(uow.db, visible_return(uow.db, return_id, principal))


def list_returns(
    uow: UnitOfWork,
    principal: Principal,
    *,
    status: list[ReturnStatus] | None = None,
    order_id: int | None = None,
    limit: int,
    after: int | None,
) -> tuple[list[ReturnRead], str | None]:
    """Returns, oldest first; drivers only ever see the ones they are to collect."""
    with uow:
        query = keyset(select(Return).options(*_with_lines()), Return.id, limit=limit,
                       after=after)
        if principal.role is Role.DRIVER:
            query = query.where(Return.driver_id == principal.driver_id)
        if status:
            query = query.where(Return.status.in_([s.value for s in status]))
        if order_id is not None:
            query = query.where(Return.order_id == order_id)
        rows = return_reads(uow.db, list(uow.db.scalars(query)))
    return page_of(rows, limit)
