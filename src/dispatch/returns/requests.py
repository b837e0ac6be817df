"""Asking for a return and deciding on it: request, approve, reject, pick up.

Every change locks the return row, checks the version the caller read (``If-Match``),
asks the state machine, then bumps the version. A request locks its order instead, so two
requests for the same order are checked one after the other and cannot over-return.

``pick_up`` and ``release_pickup`` work on an already locked return inside the caller's
transaction, so a driver's stop event and the return change it causes commit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, IllegalTransition, Invalid
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.orders.reading import visible_order
from dispatch.returns.domain import (
    RequestedLine,
    Resolution,
    ReturnStatus,
    check_return_lines,
    check_return_transition,
    check_return_window,
    refund_amount,
    returnable_quantities,
)
from dispatch.returns.models import Return, ReturnLine, ReturnReplacementLine
from dispatch.returns.reading import load_for_change, return_read, units_in_returns
from dispatch.returns.schemas import ApproveIn, RejectIn, ReturnCreate, ReturnRead
from dispatch.stock.catalog import skus_by_code


def move_to(ret: Return, target: ReturnStatus) -> None:
    """Apply a legal status change and bump the version (the ETag)."""
    check_return_transition(ReturnStatus(ret.status), target)
    ret.status = target.value
    ret.version += 1


def pick_up(db: Session, ret: Return, *, actor_user_id: int | None,
            at: datetime | None = None) -> None:
    """The units were collected: picked up, announced in the outbox (``ret`` locked)."""
    move_to(ret, ReturnStatus.PICKED_UP)
    publish(db, EventType.RETURN_PICKED_UP, {
        "return_id": ret.id, "order_id": ret.order_id, "warehouse_id": ret.warehouse_id,
        "driver_id": ret.driver_id, "actor_user_id": actor_user_id,
    }, order_id=ret.order_id, driver_id=ret.driver_id, occurred_at=at)


def release_pickup(ret: Return) -> None:
    """A pickup attempt failed: the return stays approved with no driver, so the next
    wave plans it again (``ret`` locked by the caller)."""
    if ret.status != ReturnStatus.APPROVED.value:
        raise IllegalTransition("return", ret.status, ReturnStatus.APPROVED.value)
    ret.driver_id = None
    ret.version += 1


def finish(uow: UnitOfWork, ret: Return) -> ReturnRead:
    uow.db.flush()
    result = return_read(uow.db, ret)
    uow.commit()
    return result


def request_return(uow: UnitOfWork, order_id: int, cmd: ReturnCreate, principal: Principal, *,
                   return_window: timedelta, now: datetime | None = None) -> ReturnRead:
    """Record a return of delivered units; 409 outside the window, 422 above what is left."""
    now = now or utcnow()
    with uow:
        db = uow.db
        order = visible_order(db, order_id, principal, lock=True)
        if order.status != OrderStatus.DELIVERED.value:
            raise Conflict(f"order {order_id} is {order.status}; only delivered orders can be"
                           " returned", field="order_id", order_status=order.status)
        check_return_window(order.delivered_at, now, return_window)
        delivered = {line.id: line.quantity for line in order.lines}
        check_return_lines(
            [RequestedLine(line.order_line_id, line.quantity, line.reason) for line in cmd.lines],
            returnable_quantities(delivered, units_in_returns(db, order.id)),
        )
        by_id = {line.id: line for line in order.lines}
        window = cmd.pickup_window
        ret = Return(
            order_id=order.id, warehouse_id=order.warehouse_id,
            status=ReturnStatus.REQUESTED.value, resolution=cmd.resolution.value,
            pickup_window_start=window.start if window else None,
            pickup_window_end=window.end if window else None,
            requested_by_user_id=principal.user_id, version=1,
            lines=[ReturnLine(order_line_id=line.order_line_id,
                              sku_id=by_id[line.order_line_id].sku_id, quantity=line.quantity,
                              unit_price_minor=by_id[line.order_line_id].unit_price_minor,
                              reason=line.reason.value)
                   for line in cmd.lines],
        )
        if cmd.resolution is Resolution.EXCHANGE:
            ret.replacement_lines = _replacements(db, order, ret, cmd)
        db.add(ret)
        return finish(uow, ret)


def _replacements(db: Session, order: Order, ret: Return,
                  cmd: ReturnCreate) -> list[ReturnReplacementLine]:
    """Price the replacement now; it may be worth at most the goods coming back.

    The delivery fee is deliberately not counted here: it is never spendable on
    replacements, only refunded in money when the return completes a full return.
    """
    skus = skus_by_code(db, [line.sku for line in cmd.replacement_lines],
                        field="replacement_lines")
    for i, line in enumerate(cmd.replacement_lines):
        if skus[line.sku].currency != order.currency:
            raise Invalid(f"SKU {line.sku} is priced in {skus[line.sku].currency}, the order in"
                          f" {order.currency}", field=f"replacement_lines[{i}].sku")
    replacements = [ReturnReplacementLine(sku_id=skus[line.sku].id, quantity=line.quantity,
                                          unit_price_minor=skus[line.sku].price_minor)
                    for line in cmd.replacement_lines]
    refund_amount(
        [(line.unit_price_minor, line.quantity, line.reason) for line in ret.lines],
        delivery_fee_minor=order.delivery_fee_minor, returns_everything=False,
        replacement_value_minor=sum(r.unit_price_minor * r.quantity for r in replacements),
    )
    return replacements


def approve(uow: UnitOfWork, return_id: int, cmd: ApproveIn, principal: Principal,
            expected_version: int | None = None) -> ReturnRead:
    """Accept the return; it becomes a pickup stop for the dispatch loop."""
    with uow:
        ret = load_for_change(uow.db, return_id, principal, expected_version)
        move_to(ret, ReturnStatus.APPROVED)
        if cmd.pickup_window is not None:
            ret.pickup_window_start = cmd.pickup_window.start
            ret.pickup_window_end = cmd.pickup_window.end
        publish(uow.db, EventType.RETURN_APPROVED, {
            "return_id": ret.id, "order_id": ret.order_id, "resolution": ret.resolution,
            "pickup_window_start": _iso(ret.pickup_window_start),
            "pickup_window_end": _iso(ret.pickup_window_end),
        }, order_id=ret.order_id, driver_id=ret.driver_id)
        return finish(uow, ret)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def reject(uow: UnitOfWork, return_id: int, cmd: RejectIn, principal: Principal,
           expected_version: int | None = None) -> ReturnRead:
    """Refuse the return; its units become returnable again."""
    with uow:
        ret = load_for_change(uow.db, return_id, principal, expected_version)
        move_to(ret, ReturnStatus.REJECTED)
        ret.rejection_reason = cmd.reason
        return finish(uow, ret)


def mark_picked_up(uow: UnitOfWork, return_id: int, principal: Principal,
                   expected_version: int | None = None) -> ReturnRead:
    """The driver has collected the units (drivers only for returns assigned to them)."""
    with uow:
        ret = load_for_change(uow.db, return_id, principal, expected_version)
        pick_up(uow.db, ret, actor_user_id=principal.user_id)
        return finish(uow, ret)
