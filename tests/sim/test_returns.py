"""Returns in a simulated day: every delivered order of a small day comes back, is
planned as a pickup stop, collected, inspected at the depot and settled, all through the
real returns service. (The same seed giving the same returns, and a missed pickup coming
back, are in ``test_run``.)"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from dispatch.orders.models import Order, OrderLine
from dispatch.planning.models import Plan
from dispatch.returns.models import Return, ReturnLine, ReturnReplacementLine
from dispatch.sim.kpis import day_kpis
from dispatch.sim.run import SimOptions, simulate
from dispatch.stock.models import Sku, StockLevel
from dispatch.stoplists.models import DriverRoute, RouteStop
from tests.sim.support import RETURNS, small_day

OPENING = {"PIZZA": 20, "WATER": 30}  # tests.scenarios.support.minimal()


def test_every_delivered_order_comes_back_through_a_planned_pickup(returned_day):
    run = returned_day
    kpis = day_kpis(run)
    with run.database.read_uow() as uow:
        db = uow.db
        returns = db.execute(select(Return.id, Return.order_id, Return.status,
                                    Return.pickup_window_start, Return.driver_id)
                             .order_by(Return.id)).all()
        delivered = set(db.scalars(select(Order.id).where(Order.status == "delivered",
                                                          Order.exchange_of_return_id.is_(None))))
        pickups = db.execute(select(RouteStop.return_id, RouteStop.status,
                                    Plan.status.label("plan"))
                             .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
                             .join(Plan, Plan.id == DriverRoute.plan_id)
                             .where(RouteStop.kind == "pickup")).all()
    assert delivered and {r.order_id for r in returns} == delivered
    assert all(r.pickup_window_start is not None for r in returns)
    # Each collected return was collected at a stop of a committed wave, once, and
    # settled at the depot; the rest were asked for too late in the day.
    collected = [r for r in returns if r.status != "approved"]
    assert sorted(p.return_id for p in pickups) == [r.id for r in collected]
    assert {(p.status, p.plan) for p in pickups} == {("completed", "committed")}
    assert {r.status for r in collected} == {"refunded", "exchanged"}
    late = run.day_start + timedelta(hours=13, minutes=30)  # shifts end at 14:00
    assert all(r.pickup_window_start >= late and r.driver_id is None
               for r in returns if r.status == "approved")
    assert kpis.returns_requested == len(returns) == kpis.delivered
    assert kpis.returns_picked_up == len(collected) >= kpis.delivered - 2
    assert kpis.refused == 0 and not run.fleet.returns.refused


def test_collected_units_are_restocked_unless_damaged(returned_day):
    """On hand is the opening stock, less what was delivered, plus what came back in a
    sellable state; damaged units are scrapped and never re-enter the books."""
    run = returned_day
    with run.database.read_uow() as uow:
        db = uow.db
        shipped = Counter(dict(db.execute(
            select(OrderLine.sku_code, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.status == "delivered").group_by(OrderLine.sku_code)).all()))
        lines = db.execute(select(Sku.code, ReturnLine.quantity, ReturnLine.reason,
                                  ReturnLine.outcome)
                           .join(Sku, Sku.id == ReturnLine.sku_id)
                           .join(Return, Return.id == ReturnLine.return_id)
                           .where(Return.status.in_(("refunded", "exchanged")))).all()
        on_hand = dict(db.execute(select(Sku.code, StockLevel.on_hand)
                                  .join(Sku, Sku.id == StockLevel.sku_id)).all())
    assert {(r.reason, r.outcome) for r in lines} == {("damaged", "scrap"),
                                                      ("no_longer_needed", "restock")}
    back = Counter()
    for line in lines:
        if line.outcome == "restock":
            back[line.code] += line.quantity
    assert on_hand == {code: OPENING[code] - shipped[code] + back[code] for code in OPENING}
    kpis = day_kpis(run)
    assert kpis.units_restocked == sum(back.values()) > 0
    assert 0 < kpis.returns_restocked < kpis.returns_requested  # the damaged ones are not


def test_refunds_pay_the_goods_back_and_exchanges_send_them_again(returned_day):
    run = returned_day
    with run.database.read_uow() as uow:
        db = uow.db
        rows = db.scalars(select(Return).where(Return.status != "approved")
                          .order_by(Return.id)).all()
        returns = [(r.id, r.resolution, r.status, r.refund_minor, r.exchange_order_id)
                   for r in rows]
        value = {r.id: sum(ln.unit_price_minor * ln.quantity for ln in r.lines) for r in rows}
        reasons = {r.id: {ln.reason for ln in r.lines} for r in rows}
        sent_back = {r.id: sorted((ln.sku_id, ln.quantity) for ln in r.lines) for r in rows}
        replaced = {r.id: sorted(tuple(x) for x in db.execute(
            select(ReturnReplacementLine.sku_id, ReturnReplacementLine.quantity)
            .where(ReturnReplacementLine.return_id == r.id)).all()) for r in rows}
        exchange_orders = dict(db.execute(select(Order.exchange_of_return_id, Order.status)
                                          .where(Order.exchange_of_return_id.is_not(None))).all())
        fee = {r.id: db.get(Order, r.order_id).delivery_fee_minor for r in rows}
    exchanged = [r for r in returns if r[1] == "exchange"]
    refunded = [r for r in returns if r[1] == "refund"]
    assert exchanged and refunded
    for ret_id, _, status, refund, _ in refunded:  # a damaged order sent back whole also
        assert status == "refunded"                # gets its delivery fee back
        assert refund == value[ret_id] + (fee[ret_id] if "damaged" in reasons[ret_id] else 0)
    for ret_id, _, status, refund, exchange_order in exchanged:  # like for like
        assert status == "exchanged" and exchange_order is not None and refund == 0
        assert replaced[ret_id] == sent_back[ret_id]
        assert exchange_orders[ret_id] == "confirmed"
    assert day_kpis(run).exchanges == len(exchanged)


def test_greedy_collects_each_return_on_a_trip_of_its_own(sqlite_database):
    run = simulate(sqlite_database, small_day(returns=RETURNS),
                   SimOptions(seed=3, policy="greedy", until_minute=13 * 60))
    with sqlite_database.read_uow() as uow:
        per_route = uow.db.execute(select(RouteStop.route_id, RouteStop.kind, func.count())
                                   .group_by(RouteStop.route_id, RouteStop.kind)).all()
        done = uow.db.scalar(select(func.count()).select_from(RouteStop).where(
            RouteStop.kind == "pickup", RouteStop.status == "completed"))
    pickups = [count for _, kind, count in per_route if kind == "pickup"]
    assert pickups and set(pickups) == {1}
    assert len({route for route, _, _ in per_route}) == len(per_route)  # nothing shared
    assert done > 0 and day_kpis(run).returns_picked_up == done
