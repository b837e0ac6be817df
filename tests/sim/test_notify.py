"""Customer notifications in a simulated day: the outbox relay runs every simulated
minute, so each message goes out within a minute of what it tells, to the order's
customer, and the recording channel, the database and the KPIs agree."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from dispatch.events.models import OutboxEvent
from dispatch.notifications.models import Notification
from dispatch.orders.models import Customer, Order
from dispatch.returns.models import Return
from dispatch.sim.kpis import day_kpis


def test_customers_are_told_within_a_minute(returned_day):
    with returned_day.database.read_uow() as uow:
        sent = uow.db.execute(
            select(Notification.status, Notification.template, Notification.order_id,
                   Notification.recipient, Notification.sent_at, OutboxEvent.occurred_at,
                   Customer.email)
            .join(OutboxEvent, OutboxEvent.id == Notification.outbox_event_id)
            .join(Order, Order.id == Notification.order_id)
            .join(Customer, Customer.id == Order.customer_id)).all()
    assert sent and {n.status for n in sent} == {"sent"}
    assert all(n.recipient == n.email for n in sent)
    assert all(timedelta(0) <= n.sent_at - n.occurred_at <= timedelta(minutes=1)
               for n in sent)
    day = returned_day.day_start
    assert all(day <= n.sent_at < day + timedelta(days=1) for n in sent)


def test_every_delivery_and_return_is_announced_once(returned_day):
    with returned_day.database.read_uow() as uow:
        db = uow.db
        told = Counter(db.execute(select(Notification.template, Notification.order_id)).all())
        delivered = db.scalars(select(Order.id).where(Order.status == "delivered")).all()
        returned = db.scalars(select(Return.order_id)).all()
        exchanges = db.scalars(select(Order.id).where(
            Order.exchange_of_return_id.is_not(None))).all()
    assert delivered and returned and exchanges
    assert all(told[("order.delivered", order)] == 1 for order in delivered)
    assert all(told[("return.approved", order)] == 1 for order in returned)
    assert all(told[("order.confirmed", order)] == 1 for order in exchanges)


def test_the_channel_the_database_and_the_kpis_agree(returned_day):
    kpis = day_kpis(returned_day)
    with returned_day.database.read_uow() as uow:
        stored = Counter(uow.db.scalars(select(Notification.template)))
    assert dict(returned_day.notifications.sent) == dict(stored) == kpis.notifications_by_kind
    assert kpis.notifications_sent == sum(stored.values()) > 0
    assert {"order.confirmed", "order.delivered", "return.approved",
            "refund.issued"} <= set(stored)
