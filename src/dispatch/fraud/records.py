"""Past orders as the screening reads them, from the order book.

A placement's history is the orders of the last ``lookback`` that share its customer,
phone, delivery door or card; the training history is every order of that period. An
order counts as declined when its payment was, and as delivered when it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from dispatch.fraud.signals import PastOrder, Placement
from dispatch.orders.models import Customer, Order
from dispatch.payments.domain import PaymentStatus
from dispatch.payments.models import Payment
from dispatch.payments.providers import TEST_CARD_TOKENS

LOOKBACK = timedelta(days=90)
DOOR = 0.00005
"""Half the side, in degrees, of the square one address key covers (about 5 m)."""


def card_identity(token: str | None) -> str | None:
    """The token as a card's identity; None for the sandbox's shared test tokens, which
    every test customer pays with (one would make every order velocity on one card)."""
    return None if token in TEST_CARD_TOKENS else token


def address_key(lat: float, lon: float) -> str:
    """One door, one key: the coordinates rounded to 4 decimals (about 11 m)."""
    return f"{lat:.4f},{lon:.4f}"


def _orders() -> Select:
    return (select(Order.created_at, Order.customer_id, Customer.phone, Order.lat, Order.lon,
                   Payment.card_token, Order.total_minor, Payment.status, Order.status)
            .join(Customer, Customer.id == Order.customer_id)
            .outerjoin(Payment, Payment.order_id == Order.id))


def _past(row) -> PastOrder:
    return PastOrder(at=row[0], customer_id=row[1], phone=row[2],
                     address_key=address_key(row[3], row[4]), card_token=card_identity(row[5]),
                     total_minor=row[6], lat=row[3], lon=row[4],
                     declined=row[7] == PaymentStatus.DECLINED.value,
                     delivered=row[8] == "delivered")


def history_of(db: Session, placement: Placement, *, exclude_order: int | None = None,
               lookback: timedelta = LOOKBACK) -> list[PastOrder]:
    """The orders before ``placement`` sharing one of its identifiers, oldest first.

    One indexed lookup per identifier, united: an OR across the joined tables would have
    the database read the whole order book of the period at every placement."""
    lookups = [select(Order.id).where(Order.lat.between(placement.lat - DOOR,
                                                        placement.lat + DOOR),
                                      Order.lon.between(placement.lon - DOOR,
                                                        placement.lon + DOOR))]
    if placement.customer_id:
        lookups.append(select(Order.id).where(Order.customer_id == placement.customer_id))
    if placement.phone:
        lookups.append(select(Order.id).join(Customer, Customer.id == Order.customer_id)
                       .where(Customer.phone == placement.phone))
    if placement.card_token:
        lookups.append(select(Payment.order_id).where(
            Payment.card_token == placement.card_token))
    query = _orders().where(Order.id.in_(union(*lookups).scalar_subquery()),
                            Order.created_at >= placement.at - lookback,
                            Order.created_at <= placement.at)
    if exclude_order is not None:
        query = query.where(Order.id != exclude_order)
    return [_past(row) for row in db.execute(query.order_by(Order.created_at, Order.id))]


def all_orders_since(db: Session, since: datetime) -> list[PastOrder]:
    """Every order placed since ``since``, oldest first (the anomaly model's training)."""
    return [_past(row) for row in db.execute(
        _orders().where(Order.created_at >= since).order_by(Order.created_at, Order.id))]
