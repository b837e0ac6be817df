"""A scenario's order arrival turned into the service's order: placed through
``place_order`` as the API would, then picked line for line to make it ready.

Shared by the day simulator and the served demo, so both put the same orders into the
service the same way.
"""

from __future__ import annotations

from dispatch.auth.service import Principal
from dispatch.db.database import Database
from dispatch.orders import lifecycle
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import OrderCreate, OrderRead, PickIn
from dispatch.scenarios.demand import OrderArrival
from dispatch.settings import Settings


def order_request(arrival: OrderArrival) -> OrderCreate:
    """The body a customer's app would post to ``POST /orders`` for ``arrival``."""
    payment = ({"method": "card", "card_token": arrival.card_token}
               if arrival.payment_method == "card" else {"method": "cash_on_delivery"})
    return OrderCreate.model_validate({
        "customer": {"name": arrival.customer.name, "email": arrival.customer.email,
                     "phone": arrival.customer.phone},
        "address": {"text": arrival.zone or "customer", "lat": arrival.lat, "lon": arrival.lon},
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in arrival.lines],
        "window": {"start": arrival.window_start.isoformat(),
                   "end": arrival.window_end.isoformat()},
        "payment": payment,
    })


def place_arrival(database: Database, settings: Settings, arrival: OrderArrival,
                  principal: Principal) -> OrderRead:
    """Place ``arrival`` (stock reserved, payment authorised); a refusal (out of stock, a
    declined card) raises the service's ``DomainError``."""
    return place_order(database.uow(), order_request(arrival), principal, geocoder=None,
                       currency=settings.currency,
                       delivery_fee_minor=settings.delivery_fee_minor)


def pick_list(arrival: OrderArrival) -> PickIn:
    """What the picker scans for ``arrival``: every line, in full."""
    return PickIn.model_validate(
        {"lines": [{"sku": sku, "quantity": qty} for sku, qty in arrival.lines]})


def pick_arrival(database: Database, order_id: int, arrival: OrderArrival,
                 principal: Principal) -> OrderRead:
    """Pick the placed order in full: it becomes ready for a wave."""
    return lifecycle.pick(database.uow(), order_id, pick_list(arrival), principal)
