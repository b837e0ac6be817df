"""Return services on a real database (SQLite and PostgreSQL): quantities, money, stock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch.errors import Conflict, IllegalTransition, InsufficientStock, Invalid
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import AssignIn, DeliverIn, OrderCreate, PickIn
from dispatch.payments.models import Payment
from dispatch.payments.schemas import PaymentRead
from dispatch.returns import service
from dispatch.returns.schemas import ApproveIn, InspectionIn, RejectIn, ReturnCreate
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import move
from dispatch.stock.models import StockLevel, StockMovement
from tests.support.world import order_body, seed_world

WINDOW = timedelta(days=30)


@pytest.fixture
def w(database):
    return seed_world(database)


def deliver_order(database, w, lines, *, card: str | None = None) -> Order:
    """Place ``lines`` for the Casino address and take the order all the way to delivered."""
    admin = w.principals["admin"]
    order = place_order(database.uow(), OrderCreate.model_validate(order_body(lines, card=card)),
                        admin, geocoder=None, currency="EUR", delivery_fee_minor=350)
    picked = [{"sku": sku, "quantity": qty} for sku, qty in lines]
    lifecycle.pick(database.uow(), order.id, PickIn.model_validate({"lines": picked}), admin)
    lifecycle.assign(database.uow(), order.id, AssignIn(driver_id=w.drivers["ana"]), admin)
    lifecycle.depart(database.uow(), order.id, admin)
    return lifecycle.deliver(database.uow(), order.id, DeliverIn(recipient_name="Marie"), admin)


def ask(database, w, order, lines, *, resolution="refund", replacements=(), **kwargs):
    """Request a return of ``(line index, quantity, reason)`` lines of ``order``."""
    body = {
        "lines": [{"order_line_id": order.lines[i].id, "quantity": q, "reason": reason}
                  for i, q, reason in lines],
        "resolution": resolution,
    }
    if replacements:
        body["replacement_lines"] = [{"sku": sku, "quantity": q} for sku, q in replacements]
    return service.request_return(database.uow(), order.id, ReturnCreate.model_validate(body),
                                  w.principals["operator"], return_window=WINDOW, **kwargs)


def to_received(database, w, ret, outcome="restock"):
    """Approve, pick up and receive ``ret`` with the same outcome for every line."""
    op = w.principals["operator"]
    service.approve(database.uow(), ret.id, ApproveIn(), op)
    service.mark_picked_up(database.uow(), ret.id, op)
    inspection = InspectionIn.model_validate(
        {"lines": [{"return_line_id": line.id, "outcome": outcome} for line in ret.lines]})
    return service.receive(database.uow(), ret.id, inspection, op)


def settle(database, w, ret, outcome="restock"):
    to_received(database, w, ret, outcome)
    return service.resolve(database.uow(), ret.id, w.principals["operator"])


def payment_of(database, order_id) -> PaymentRead:
    with database.uow() as uow:
        row = uow.db.scalars(select(Payment).where(Payment.order_id == order_id)).one()
        return PaymentRead.model_validate(row)


def level(database, w, wh, sku) -> tuple[int, int]:
    with database.uow() as uow:
        row = uow.db.scalars(select(StockLevel).where(
            StockLevel.warehouse_id == w.warehouses[wh], StockLevel.sku_id == w.skus[sku])).one()
        return row.on_hand, row.reserved


def test_refund_restocks_only_restocked_units_and_pays_back_exactly(database, w):
    """One clock restocked, two oat milks scrapped: on hand +1 clock, refund 2490 + 2 x 219."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2), ("OAT-MILK-1L", 3)])
    assert level(database, w, "MC", "RETRO-CLOCK") == (8, 0)
    ret = ask(database, w, order, [(0, 1, "damaged"), (1, 2, "no_longer_needed")])
    assert ret.status == "requested" and ret.warehouse_id == w.warehouses["MC"]
    op = w.principals["operator"]
    service.approve(database.uow(), ret.id, ApproveIn(), op)
    service.mark_picked_up(database.uow(), ret.id, op)
    received = service.receive(database.uow(), ret.id, InspectionIn.model_validate({"lines": [
        {"return_line_id": ret.lines[0].id, "outcome": "restock"},
        {"return_line_id": ret.lines[1].id, "outcome": "scrap"},
    ]}), op)
    assert [line.outcome for line in received.lines] == ["restock", "scrap"]
    assert level(database, w, "MC", "RETRO-CLOCK") == (9, 0)
    assert level(database, w, "MC", "OAT-MILK-1L") == (47, 0)
    done = service.resolve(database.uow(), ret.id, op)
    assert (done.status, done.refund_minor) == ("refunded", 2928)
    payment = payment_of(database, order.id)
    assert (payment.status, payment.refunded_minor) == ("partially_refunded", 2928)
    with database.uow() as uow:
        moves = uow.db.scalars(select(StockMovement).where(StockMovement.return_id == ret.id)).all()
        assert [(m.kind, m.sku_id, m.quantity) for m in moves] == [
            ("return_restock", w.skus["RETRO-CLOCK"], 1)]


def test_over_return_across_requests_names_the_line(database, w):
    """One of two clocks is already being returned: asking for two more fails on lines[1]."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2), ("OAT-MILK-1L", 1)])
    first = ask(database, w, order, [(0, 1, "damaged")])
    with pytest.raises(Invalid) as err:
        ask(database, w, order, [(1, 1, "other"), (0, 2, "damaged")])
    assert err.value.field == "lines[1].quantity"
    assert err.value.extra["limit"] == 1
    service.reject(database.uow(), first.id, RejectIn(reason="photo shows no damage"),
                   w.principals["operator"])
    again = ask(database, w, order, [(0, 2, "damaged")])
    assert again.lines[0].quantity == 2


def test_concurrent_requests_cannot_over_return(database, w):
    """Two simultaneous requests for both clocks: exactly one is accepted."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2)])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            ask(database, w, order, [(0, 2, "damaged")])
            outcomes.append("ok")
        except Invalid:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok", "refused"]


def test_window_deadline_is_inclusive(database, w):
    """At delivered_at + window a return is accepted; a microsecond later it is 409."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2)])
    deadline = order.delivered_at + WINDOW
    with pytest.raises(Conflict) as err:
        ask(database, w, order, [(0, 1, "other")], now=deadline + timedelta(microseconds=1))
    assert err.value.field == "order_id"
    assert ask(database, w, order, [(0, 1, "other")], now=deadline).status == "requested"


def test_undelivered_order_cannot_be_returned(database, w):
    """A confirmed order is not returnable: 409 on order_id."""
    order = place_order(database.uow(), OrderCreate.model_validate(order_body()),
                        w.principals["admin"], geocoder=None, currency="EUR",
                        delivery_fee_minor=350)
    with pytest.raises(Conflict) as err:
        ask(database, w, order, [(0, 1, "damaged")])
    assert err.value.field == "order_id"


@pytest.mark.parametrize(("quantity", "reason", "refund"), [
    (2, "damaged", 2 * 2490 + 350),        # everything back, seller's fault: fee too
    (2, "no_longer_needed", 2 * 2490),     # everything back, customer's choice: no fee
    (1, "damaged", 2490),                  # seller's fault, but not everything: no fee
])
def test_delivery_fee_only_for_full_seller_fault_return(database, w, quantity, reason, refund):
    """The 350 delivery fee comes back only with every unit, for a seller-fault reason."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2)])
    done = settle(database, w, ask(database, w, order, [(0, quantity, reason)]))
    assert done.refund_minor == refund
    assert payment_of(database, order.id).refunded_minor == refund


def test_fee_is_paid_once_by_the_return_that_completes_the_order(database, w):
    """Two damaged-clock returns: the first settles without fee, the last one with it."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 2)], card="tok_visa")
    first = ask(database, w, order, [(0, 1, "damaged")])
    second = ask(database, w, order, [(0, 1, "damaged")])
    assert settle(database, w, first).refund_minor == 2490
    assert settle(database, w, second).refund_minor == 2490 + 350
    payment = payment_of(database, order.id)
    assert (payment.status, payment.refunded_minor) == ("refunded", 5330)


def test_exchange_places_a_reserved_order_and_refunds_the_difference(database, w):
    """Beans (1890) swapped for oat milk (219): order confirmed at Monaco, 1671 refunded."""
    order = deliver_order(database, w, [("ESPRESSO-BEANS", 1)], card="tok_visa")
    ret = ask(database, w, order, [(0, 1, "no_longer_needed")], resolution="exchange",
              replacements=[("OAT-MILK-1L", 1)])
    assert [(r.sku, r.unit_price_minor) for r in ret.replacement_lines] == [("OAT-MILK-1L", 219)]
    done = settle(database, w, ret)
    assert (done.status, done.refund_minor) == ("exchanged", 1671)
    assert level(database, w, "MC", "OAT-MILK-1L") == (50, 1)
    with database.uow() as uow:
        new = uow.db.get(Order, done.exchange_order_id)
        assert (new.status, new.warehouse_id, new.total_minor, new.exchange_of_return_id) == (
            "confirmed", w.warehouses["MC"], 0, ret.id)
        assert (new.customer_id, new.lat, new.lon) == (order.customer.id, order.lat, order.lon)
    new_payment = payment_of(database, done.exchange_order_id)
    assert (new_payment.status, new_payment.amount_minor) == ("authorised", 0)
    assert payment_of(database, order.id).refunded_minor == 1671


def test_replacement_worth_more_than_the_return_is_refused(database, w):
    """Beans (1890) for a clock (2490): 422 on replacement_lines, nothing recorded."""
    order = deliver_order(database, w, [("ESPRESSO-BEANS", 1)])
    with pytest.raises(Invalid) as err:
        ask(database, w, order, [(0, 1, "damaged")], resolution="exchange",
            replacements=[("RETRO-CLOCK", 1)])
    assert err.value.field == "replacement_lines"


def test_exchange_short_of_stock_is_409_and_stays_received(database, w):
    """The only lamp comes back scrapped: no lamp to send, 409; a receipt then lets it through."""
    order = deliver_order(database, w, [("LAST-UNIT-LAMP", 1)], card="tok_visa")
    ret = ask(database, w, order, [(0, 1, "damaged")], resolution="exchange",
              replacements=[("LAST-UNIT-LAMP", 1)])
    to_received(database, w, ret, outcome="scrap")
    with pytest.raises(InsufficientStock) as err:
        service.resolve(database.uow(), ret.id, w.principals["operator"])
    assert err.value.extra["shortfall"] == [
        {"sku": "LAST-UNIT-LAMP", "requested": 1, "available": 0}]
    assert service.get_return(database.uow(), ret.id, w.principals["admin"]).status == "received"
    assert payment_of(database, order.id).refunded_minor == 0
    with database.uow() as uow:
        move(uow.db, warehouse_id=w.warehouses["NCE"], sku_id=w.skus["LAST-UNIT-LAMP"],
             kind=MovementKind.RECEIPT, quantity=1)
        uow.commit()
    done = service.resolve(database.uow(), ret.id, w.principals["operator"])
    # Same lamp back for a damaged one: nothing to pay for it, but the whole order came
    # back for the seller's fault, so the 350 delivery fee is refunded.
    assert (done.status, done.refund_minor) == ("exchanged", 350)
    assert level(database, w, "NCE", "LAST-UNIT-LAMP") == (1, 1)


def test_illegal_moves_are_refused(database, w):
    """Pickup before approval, and resolving before receipt, are illegal transitions."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 1)])
    ret = ask(database, w, order, [(0, 1, "damaged")])
    with pytest.raises(IllegalTransition):
        service.mark_picked_up(database.uow(), ret.id, w.principals["operator"])
    with pytest.raises(IllegalTransition):
        service.resolve(database.uow(), ret.id, w.principals["operator"])


def test_inspection_must_cover_every_line_once(database, w):
    """A missing line, a repeated line and a foreign line are each 422 with a field."""
    order = deliver_order(database, w, [("RETRO-CLOCK", 1), ("OAT-MILK-1L", 1)])
    ret = ask(database, w, order, [(0, 1, "damaged"), (1, 1, "damaged")])
    op = w.principals["operator"]
    service.approve(database.uow(), ret.id, ApproveIn(), op)
    service.mark_picked_up(database.uow(), ret.id, op)
    a, b = (line.id for line in ret.lines)
    cases = [
        ([(a, "restock")], "lines"),
        ([(a, "restock"), (a, "scrap")], "lines[1].return_line_id"),
        ([(a, "restock"), (b + 1000, "scrap")], "lines[1].return_line_id"),
    ]
    for lines, field in cases:
        body = {"lines": [{"return_line_id": i, "outcome": o} for i, o in lines]}
        with pytest.raises(Invalid) as err:
            service.receive(database.uow(), ret.id, InspectionIn.model_validate(body), op)
        assert err.value.field == field
    assert level(database, w, "MC", "RETRO-CLOCK") == (9, 0)


def test_exchange_order_can_be_delivered(database, w):
    """The replacement order goes out like any other and its zero payment is captured."""
    order = deliver_order(database, w, [("ESPRESSO-BEANS", 1)])
    ret = ask(database, w, order, [(0, 1, "damaged")], resolution="exchange",
              replacements=[("ESPRESSO-BEANS", 1)])
    new_id = settle(database, w, ret).exchange_order_id
    admin = w.principals["admin"]
    lifecycle.pick(database.uow(), new_id, PickIn.model_validate(
        {"lines": [{"sku": "ESPRESSO-BEANS", "quantity": 1}]}), admin)
    lifecycle.assign(database.uow(), new_id, AssignIn(driver_id=w.drivers["ana"]), admin)
    lifecycle.depart(database.uow(), new_id, admin)
    delivered = lifecycle.deliver(database.uow(), new_id, DeliverIn(recipient_name="M"), admin)
    assert delivered.payment.status == "captured"
