"""Placing an order: locate it, pick the nearest warehouse that can fulfil it, reserve
its stock atomically, authorise the payment.

Reservation tries warehouses nearest first. Each attempt runs in a savepoint: the guarded
updates of ``stock.ledger`` either all succeed (the order is served from there) or the
savepoint is rolled back and the next warehouse is tried. SKUs are always reserved in
ascending id order so two orders never wait on each other's rows in opposite orders.
A declined payment keeps the order (cancelled, with the decline recorded, for fraud
screening later) but none of its stock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.auth.service import Principal
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import InsufficientStock, Invalid, PaymentDeclined
from dispatch.fraud.screening import OrderFacts, Screening, hold_reason, screen
from dispatch.geocoding import Geocoder, GeocodingError
from dispatch.orders.domain import OrderStatus, check_delivery_window, order_totals
from dispatch.orders.history import record_status
from dispatch.orders.models import Customer, Order, OrderLine
from dispatch.orders.reading import order_read
from dispatch.orders.schemas import CustomerIn, OrderCreate, OrderRead
from dispatch.orders.stock_moves import move_order_stock
from dispatch.payments import service as payments
from dispatch.payments.domain import Money, PaymentStatus
from dispatch.stock.catalog import skus_by_code
from dispatch.stock.domain import (
    MovementKind,
    WarehouseStock,
    fulfilment_candidates,
    haversine_km,
    shortfalls,
    sum_lines,
)
from dispatch.stock.ledger import try_move
from dispatch.stock.models import StockLevel, Warehouse
from dispatch.stock.stockouts import record_stockouts


def locate(cmd: OrderCreate, geocoder: Geocoder | None) -> tuple[float, float, str | None]:
    """Coordinates of the delivery address, geocoding its text when none were given."""
    address = cmd.address
    if address.lat is not None and address.lon is not None:
        return address.lat, address.lon, address.text
    if geocoder is None:
        raise Invalid("no geocoder is configured; send lat and lon", field="address.lat")
    try:
        result = geocoder.geocode(address.text or "", field="address.text")
    except GeocodingError as exc:
        raise Invalid(f"address could not be geocoded: {exc.message}", field=exc.field) from None
    return result.lat, result.lon, address.text or result.display_name


def _customer(db: Session, data: CustomerIn) -> Customer:
    email = data.email.lower() if data.email else None
    query = select(Customer)
    query = query.where(Customer.email == email) if email else query.where(
        Customer.phone == data.phone, Customer.email.is_(None)
    )
    customer = db.scalars(query.limit(1)).first()
    if customer is not None:
        return customer
    try:
        with db.begin_nested():
            customer = Customer(name=data.name, email=email, phone=data.phone)
            db.add(customer)
            db.flush()
        return customer
    except IntegrityError:  # the same new customer ordering twice at once
        return db.scalars(select(Customer).where(Customer.email == email)).one()


def _stock_snapshot(db: Session, sku_ids: dict[str, int]) -> list[WarehouseStock]:
    code_of = {sku_id: code for code, sku_id in sku_ids.items()}
    rows = db.execute(
        select(Warehouse.id, Warehouse.lat, Warehouse.lon, StockLevel.sku_id,
               StockLevel.on_hand - StockLevel.reserved)
        .join(StockLevel, StockLevel.warehouse_id == Warehouse.id)
        .where(StockLevel.sku_id.in_(list(code_of)))
    ).all()
    by_warehouse: dict[int, tuple[float, float, dict[str, int]]] = {}
    for wid, lat, lon, sku_id, available in rows:
        by_warehouse.setdefault(wid, (lat, lon, {}))[2][code_of[sku_id]] = available
    return [WarehouseStock(wid, lat, lon, avail) for wid, (lat, lon, avail) in by_warehouse.items()]


def _shortfall_problem(snapshot: list[WarehouseStock], needed: dict[str, int], lat: float,
                       lon: float, detail: str, field: str) -> InsufficientStock:
    """409 naming, per SKU, what the best-placed warehouse lacks (fewest units short,
    then nearest), and the same for every warehouse."""
    per_warehouse = sorted(
        ((sum(s.requested - s.available for s in shortfalls(needed, w.available)),
          haversine_km(lat, lon, w.lat, w.lon), w) for w in snapshot),
        key=lambda item: (item[0], item[1], item[2].warehouse_id),
    )
    if per_warehouse:
        best = per_warehouse[0][2]
        short = shortfalls(needed, best.available)
    else:
        best, short = None, shortfalls(needed, {})
    return InsufficientStock(
        detail, field=field, shortfall=[s.as_dict() for s in short],
        warehouse_id=best.warehouse_id if best else None,
        warehouses=[{"warehouse_id": w.warehouse_id,
                     "shortfall": [s.as_dict() for s in shortfalls(needed, w.available)]}
                    for _, _, w in per_warehouse],
    )


def _reserve_at(db: Session, order: Order, needed_by_id: list[tuple[int, int]],
                actor: int | None) -> bool:
    if len(needed_by_id) == 1:
        # One guarded update either applies with its ledger entry or changes nothing:
        # no savepoint to roll back to is needed (two round trips fewer per order).
        ((sku_id, quantity),) = needed_by_id
        return try_move(db, warehouse_id=order.warehouse_id, sku_id=sku_id,
                        kind=MovementKind.RESERVATION, quantity=quantity,
                        order_id=order.id, actor_user_id=actor)
    savepoint = db.begin_nested()
    for sku_id, quantity in needed_by_id:
        if not try_move(db, warehouse_id=order.warehouse_id, sku_id=sku_id,
                        kind=MovementKind.RESERVATION, quantity=quantity,
                        order_id=order.id, actor_user_id=actor):
            savepoint.rollback()
            return False
    savepoint.commit()
    return True


def reserve_nearest(db: Session, order: Order, needed: dict[str, int], sku_ids: dict[str, int],
                    *, actor: int | None, field: str = "lines") -> None:
    """Reserve ``needed`` (SKU code → units) for ``order`` at the nearest warehouse that
    has all of it, adding the order to the session; 409 with the shortfall otherwise."""
    snapshot = _stock_snapshot(db, sku_ids)
    candidates = fulfilment_candidates(snapshot, needed, order.lat, order.lon)
    if not candidates:
        raise _shortfall_problem(snapshot, needed, order.lat, order.lon,
                                 "no warehouse can fulfil every line", field)
    order.warehouse_id = candidates[0].warehouse_id
    db.add(order)
    db.flush()
    needed_by_id = sorted((sku_ids[code], qty) for code, qty in needed.items())
    for candidate in candidates:
        order.warehouse_id = candidate.warehouse_id
        db.flush()
        if _reserve_at(db, order, needed_by_id, actor):
            return
    raise _shortfall_problem(_stock_snapshot(db, sku_ids), needed, order.lat, order.lon,
                             "no warehouse can fulfil every line (stock was just taken)", field)


def place_order(
    uow: UnitOfWork,
    cmd: OrderCreate,
    principal: Principal,
    *,
    geocoder: Geocoder | None,
    currency: str,
    delivery_fee_minor: int,
    max_days_ahead: int = 30,
    now: datetime | None = None,
    providers: Callable | None = None,
    screening: Screening | None = None,
) -> OrderRead:
    """Create, reserve, authorise and screen (when ``screening`` is given: a risky order
    is kept ``on_hold``); raises 409 with the shortfall (kept as stockout events), or 402
    on decline."""
    now = now or utcnow()
    check_delivery_window(cmd.window.start, cmd.window.end, now=now,
                          max_ahead=timedelta(days=max_days_ahead))
    lat, lon, address_text = locate(cmd, geocoder)
    try:
        return _place(uow, cmd, principal, (lat, lon, address_text), currency=currency,
                      delivery_fee_minor=delivery_fee_minor, providers=providers,
                      screening=screening, now=now)
    except InsufficientStock as refused:
        record_stockouts(uow.sibling(), refused.extra.get("shortfall", ()),
                         refused.extra.get("warehouse_id"), now)
        raise


def _place(uow: UnitOfWork, cmd: OrderCreate, principal: Principal,
           located: tuple[float, float, str | None], *, currency: str,
           delivery_fee_minor: int, providers: Callable | None,
           screening: Screening | None, now: datetime) -> OrderRead:
    lat, lon, address_text = located
    needed = sum_lines([(line.sku, line.quantity) for line in cmd.lines])
    with uow:
        db = uow.db
        skus = skus_by_code(db, [line.sku for line in cmd.lines])
        for i, line in enumerate(cmd.lines):
            if skus[line.sku].currency != currency:
                raise Invalid(f"SKU {line.sku} is priced in {skus[line.sku].currency}",
                              field=f"lines[{i}].sku")
        totals = order_totals(
            [(skus[line.sku].price_minor, line.quantity) for line in cmd.lines],
            delivery_fee_minor,
        )
        order = Order(
            customer=_customer(db, cmd.customer),
            status=OrderStatus.PLACED.value, priority=cmd.priority, address_text=address_text,
            lat=lat, lon=lon, window_start=cmd.window.start, window_end=cmd.window.end,
            payment_method=cmd.payment.method.value, currency=currency,
            subtotal_minor=totals.subtotal_minor, delivery_fee_minor=totals.delivery_fee_minor,
            total_minor=totals.total_minor, notes=cmd.notes, placed_by_user_id=principal.user_id,
            lines=[OrderLine(sku_id=skus[line.sku].id, sku_code=line.sku, quantity=line.quantity,
                             unit_price_minor=skus[line.sku].price_minor) for line in cmd.lines],
        )
        reserve_nearest(db, order, needed, {code: skus[code].id for code in needed},
                        actor=principal.user_id)
        payment = payments.authorise(
            db, order_id=order.id, method=cmd.payment.method, card_token=cmd.payment.card_token,
            amount=Money(totals.total_minor, currency),
            **({"providers": providers} if providers else {}),
        )
        # Both status events are written together at the end (one INSERT).
        record_status(db, order, None, OrderStatus.PLACED.value,
                      actor_user_id=principal.user_id)
        if payment.status == PaymentStatus.DECLINED.value:
            return _declined(uow, order, payment, principal)
        risk = None
        if screening is not None:
            risk = screen(db, OrderFacts(
                order.id, order.customer.id, order.customer.phone, cmd.payment.card_token,
                order.total_minor, sum(needed.values()), lat, lon,
                cmd.payment.billing), screening, now)
        held = risk is not None and risk.hold
        order.status = (OrderStatus.ON_HOLD if held else OrderStatus.CONFIRMED).value
        record_status(db, order, OrderStatus.PLACED.value, order.status,
                      reason=hold_reason(risk) if held else None,
                      actor_user_id=principal.user_id)
        db.flush()
        result = order_read(order, payment, risk)
        uow.commit()
        return result


def _declined(uow: UnitOfWork, order: Order, payment, principal: Principal):
    """Keep the order and the decline on record; give the stock back; answer 402."""
    db = uow.db
    order_id, decline = order.id, payment.decline_code
    move_order_stock(db, order, MovementKind.RELEASE, actor_user_id=principal.user_id,
                     reason="payment declined")
    order.status = OrderStatus.CANCELLED.value
    order.cancel_reason = f"payment declined ({decline})"
    record_status(db, order, OrderStatus.PLACED.value, OrderStatus.CANCELLED.value,
                  reason=order.cancel_reason, actor_user_id=principal.user_id)
    uow.commit()
    raise PaymentDeclined(f"the card was declined ({decline})", field="payment.card_token",
                          order_id=order_id, decline_code=decline)
