"""Moving an order through its states, with each move's side effects.

Every action locks the order row, checks the caller may act on it, checks the version
the caller read (``If-Match``), asks the state machine, applies effects (stock, payment),
bumps the version and records the status change.

The moves a driver's stop events also make (``depart_order``, ``deliver_order``,
``fail_order``) work on an already locked order inside the caller's transaction, so a
stop event and the order change it causes commit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatch.auth.service import Principal
from dispatch.common.checks import check_version
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, Invalid, NotFound
from dispatch.fleet.models import Driver
from dispatch.fraud.schemas import ApproveIn
from dispatch.fraud.screening import APPROVED, CANCELLED, record_decision
from dispatch.orders.domain import (
    STOCK_RESERVED,
    OrderStatus,
    check_transition,
    pick_differences,
)
from dispatch.orders.history import record_status
from dispatch.orders.models import Order, PickRecord
from dispatch.orders.reading import order_reads, visible_order
from dispatch.orders.schemas import AssignIn, CancelIn, DeliverIn, FailIn, OrderRead, PickIn
from dispatch.orders.stock_moves import move_order_stock
from dispatch.payments import service as payments
from dispatch.stock.domain import MovementKind


class PickMismatch(Invalid):
    """The scanned items differ from the order; ``differences`` says how."""

    code = "pick_mismatch"


def _load(db: Session, order_id: int, principal: Principal, expected_version: int | None) -> Order:
    order = visible_order(db, order_id, principal, lock=True)
    check_version("order", order_id, order.version, expected_version)
    return order


def move_order(db: Session, order: Order, target: OrderStatus, *,
               actor_user_id: int | None, reason: str | None = None) -> None:
    """Apply a legal status change, bump the version and record it (with its event)."""
    current = OrderStatus(order.status)
    check_transition(current, target)
    order.status = target.value
    order.version += 1
    record_status(db, order, current.value, target.value, reason=reason,
                  actor_user_id=actor_user_id)


def _transition(db: Session, order: Order, target: OrderStatus, principal: Principal,
                reason: str | None = None) -> None:
    move_order(db, order, target, actor_user_id=principal.user_id, reason=reason)


def depart_order(db: Session, order: Order, *, actor_user_id: int | None) -> None:
    """Out for delivery; ``order`` must be locked by the caller."""
    move_order(db, order, OrderStatus.OUT_FOR_DELIVERY, actor_user_id=actor_user_id)


def deliver_order(db: Session, order: Order, recipient_name: str, *,
                  actor_user_id: int | None, at: datetime | None = None) -> None:
    """Handed over at ``at`` (default now): stock shipped, payment captured, recipient
    kept. ``order`` must be locked by the caller."""
    move_order(db, order, OrderStatus.DELIVERED, actor_user_id=actor_user_id)
    move_order_stock(db, order, MovementKind.SHIPMENT, actor_user_id=actor_user_id,
                     reason="delivered")
    payments.capture(db, payments.payment_for_order(db, order.id, lock=True))
    order.delivery_attempts += 1
    order.recipient_name = recipient_name
    order.delivered_at = at or utcnow()


def fail_order(db: Session, order: Order, reason: str, *, actor_user_id: int | None) -> None:
    """A failed attempt, counted, then ready again with no driver so the next wave plans
    it. ``order`` must be locked by the caller."""
    move_order(db, order, OrderStatus.FAILED, actor_user_id=actor_user_id, reason=reason)
    order.delivery_attempts += 1
    order.failure_reason = reason
    move_order(db, order, OrderStatus.READY, actor_user_id=actor_user_id,
               reason="back for another attempt")
    order.driver_id = None


def _finish(uow: UnitOfWork, order: Order) -> OrderRead:
    uow.db.flush()
    result = order_reads(uow.db, [order])[0]
    uow.commit()
    return result


def cancel(uow: UnitOfWork, order_id: int, cmd: CancelIn, principal: Principal,
           expected_version: int | None = None) -> OrderRead:
    """Cancel before the order leaves: release its stock and void the authorisation."""
    with uow:
        order = _load(uow.db, order_id, principal, expected_version)
        _cancel(uow.db, order, cmd.reason, principal)
        return _finish(uow, order)


def _cancel(db: Session, order: Order, reason: str, principal: Principal) -> None:
    held = OrderStatus(order.status) in STOCK_RESERVED
    if order.status == OrderStatus.ON_HOLD.value:
        record_decision(db, order.id, CANCELLED, actor_user_id=principal.user_id,
                        note=reason, at=utcnow())
    _transition(db, order, OrderStatus.CANCELLED, principal, reason)
    if held:
        move_order_stock(db, order, MovementKind.RELEASE, actor_user_id=principal.user_id,
                         reason="order cancelled")
    payments.void(db, payments.payment_for_order(db, order.id, lock=True))
    order.cancel_reason = reason
    order.driver_id = None


def _held(db: Session, order_id: int, principal: Principal,
          expected_version: int | None) -> Order:
    order = _load(db, order_id, principal, expected_version)
    if order.status != OrderStatus.ON_HOLD.value:
        raise Conflict(f"order {order_id} is {order.status}, not on hold",
                       field="order_id", status=order.status)
    return order


def reject(uow: UnitOfWork, order_id: int, cmd: CancelIn, principal: Principal,
           expected_version: int | None = None) -> OrderRead:
    """Cancel an order fraud screening held, the decision kept."""
    with uow:
        order = _held(uow.db, order_id, principal, expected_version)
        _cancel(uow.db, order, cmd.reason, principal)
        return _finish(uow, order)


def approve(uow: UnitOfWork, order_id: int, cmd: ApproveIn, principal: Principal,
            expected_version: int | None = None) -> OrderRead:
    """Release an order fraud screening held: it goes on as confirmed, the decision kept."""
    with uow:
        db = uow.db
        order = _held(db, order_id, principal, expected_version)
        record_decision(db, order.id, APPROVED, actor_user_id=principal.user_id,
                        note=cmd.note, at=utcnow())
        _transition(db, order, OrderStatus.CONFIRMED, principal,
                    "released after review" + (f": {cmd.note}" if cmd.note else ""))
        return _finish(uow, order)


def pick(uow: UnitOfWork, order_id: int, cmd: PickIn, principal: Principal,
         expected_version: int | None = None) -> OrderRead:
    """Check the scanned lines against the order; only a match makes it ready."""
    with uow:
        db = uow.db
        order = _load(db, order_id, principal, expected_version)
        check_transition(OrderStatus(order.status), OrderStatus.PICKED)
        differences = pick_differences(
            [(line.sku_code, line.quantity) for line in order.lines],
            [(line.sku, line.quantity) for line in cmd.lines],
        )
        record = [{"sku": d.sku, "ordered": d.ordered, "scanned": d.scanned}
                  for d in differences]
        db.add(PickRecord(order_id=order.id, matched=not differences, differences=record,
                          actor_user_id=principal.user_id))
        if differences:
            uow.commit()  # the mismatch is counted (order accuracy) even though refused
            raise PickMismatch("the scanned items do not match the order", field="lines",
                               differences=record)
        _transition(db, order, OrderStatus.PICKED, principal)
        _transition(db, order, OrderStatus.READY, principal)
        return _finish(uow, order)


def assign(uow: UnitOfWork, order_id: int, cmd: AssignIn, principal: Principal,
           expected_version: int | None = None) -> OrderRead:
    """Put a ready order on a driver's route (planned); the dispatch loop does it in bulk."""
    with uow:
        db = uow.db
        order = _load(db, order_id, principal, expected_version)
        driver = db.get(Driver, cmd.driver_id)
        if driver is None or not driver.active:
            raise NotFound(f"driver {cmd.driver_id} does not exist or is inactive",
                           field="driver_id")
        _transition(db, order, OrderStatus.PLANNED, principal)
        order.driver_id = driver.id
        return _finish(uow, order)


def depart(uow: UnitOfWork, order_id: int, principal: Principal,
           expected_version: int | None = None) -> OrderRead:
    """The driver has loaded the order and left: out for delivery."""
    with uow:
        db = uow.db
        order = _load(db, order_id, principal, expected_version)
        depart_order(db, order, actor_user_id=principal.user_id)
        return _finish(uow, order)


def deliver(uow: UnitOfWork, order_id: int, cmd: DeliverIn, principal: Principal,
            expected_version: int | None = None) -> OrderRead:
    """Handed over: stock leaves the warehouse books and the payment is captured."""
    with uow:
        db = uow.db
        order = _load(db, order_id, principal, expected_version)
        deliver_order(db, order, cmd.recipient_name, actor_user_id=principal.user_id)
        return _finish(uow, order)


def fail(uow: UnitOfWork, order_id: int, cmd: FailIn, principal: Principal,
         expected_version: int | None = None) -> OrderRead:
    """A failed attempt: recorded, then the order is ready again for the next wave."""
    with uow:
        db = uow.db
        order = _load(db, order_id, principal, expected_version)
        fail_order(db, order, cmd.reason, actor_user_id=principal.user_id)
        return _finish(uow, order)
