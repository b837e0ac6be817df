"""Shortcuts to the states the dispatch loop starts from: ready orders and a published route.

``publish_route`` writes a committed route directly (what a plan commit produces), so
stop-list, stop-event and ETA tests do not depend on the solver; the planning tests
cover the real commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dispatch.db.base import utcnow
from dispatch.db.database import Database
from dispatch.orders import lifecycle
from dispatch.orders.history import record_status
from dispatch.orders.models import Order
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import OrderCreate, PickIn
from dispatch.returns.models import Return
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from tests.support.world import CASINO, World, order_body

MINUTE = timedelta(minutes=1)


def placed_order(database: Database, world: World, lines=(("RETRO-CLOCK", 1),), *,
                 where=CASINO, email: str = "marie@example.com",
                 hours_ahead: float = 2.0) -> int:
    """Place an order through the service, as the dispatcher; return its id."""
    body = order_body(lines, where=where, email=email, hours_ahead=hours_ahead)
    return place_order(database.uow(), OrderCreate.model_validate(body),
                       world.principals["dispatcher"], geocoder=None, currency="EUR",
                       delivery_fee_minor=350).id


def ready_order(database: Database, world: World, lines=(("RETRO-CLOCK", 1),), *,
                where=CASINO, email: str = "marie@example.com",
                hours_ahead: float = 2.0) -> int:
    """Place, confirm and pick an order through the services; return its id (ready)."""
    order_id = placed_order(database, world, lines, where=where, email=email,
                            hours_ahead=hours_ahead)
    picked = PickIn.model_validate({"lines": [{"sku": sku, "quantity": qty}
                                              for sku, qty in lines]})
    lifecycle.pick(database.uow(), order_id, picked, world.principals["operator"])
    return order_id


def publish_route(database: Database, world: World, driver: str, order_ids: Sequence[int],
                  *, return_ids: Sequence[int] = (), start: datetime | None = None,
                  leg: timedelta = 10 * MINUTE) -> int:
    """Put ready orders (then approved return pickups) on ``driver``'s active route, one
    stop every ``leg`` from ``start``; the orders become planned. Returns the route id."""
    start = start or utcnow()
    driver_id = world.drivers[driver]
    with database.uow() as uow:
        db = uow.db
        first = db.get(Order, order_ids[0]) if order_ids else db.get(Return, return_ids[0])
        warehouse = db.get(Warehouse, first.warehouse_id)
        route = DriverRoute(driver_id=driver_id, plan_id=None, warehouse_id=warehouse.id,
                            status="active", planned_start=start,
                            planned_end=start + leg * (len(order_ids) + len(return_ids) + 1),
                            capacity={"weight_g": 500_000, "volume_ml": 2_000_000},
                            created_at=min(start, utcnow()))  # published by its start
        db.add(route)
        sequence = 0
        for order_id in order_ids:
            sequence += 1
            order = db.get(Order, order_id)
            eta = start + leg * sequence
            record_status(db, order, order.status, "planned", actor_user_id=None)
            order.status, order.driver_id = "planned", driver_id
            order.version += 1
            route.stops.append(_stop(sequence, "delivery", eta, order.lat, order.lon,
                                     order.window_start, order.window_end, order_id=order_id))
        for return_id in return_ids:
            sequence += 1
            ret = db.get(Return, return_id)
            order = db.get(Order, ret.order_id)
            ret.driver_id = driver_id
            eta = start + leg * sequence
            route.stops.append(_stop(sequence, "pickup", eta, order.lat, order.lon,
                                     ret.pickup_window_start or eta - 30 * MINUTE,
                                     ret.pickup_window_end or eta + 30 * MINUTE,
                                     return_id=return_id))
        db.flush()
        route_id = route.id
        uow.commit()
    return route_id


def _stop(sequence, kind, eta, lat, lon, window_start, window_end, **ids) -> RouteStop:
    return RouteStop(sequence=sequence, kind=kind, lat=lat, lon=lon, window_start=window_start,
                     window_end=window_end, service_seconds=180.0, load_after={},
                     planned_eta=eta, eta=eta, eta_low=eta - 5 * MINUTE,
                     eta_high=eta + 5 * MINUTE, **ids)


def stop_ids(database: Database, route_id: int) -> list[int]:
    """The route's stop ids in sequence order."""
    with database.uow() as uow:
        route = uow.db.get(DriverRoute, route_id)
        return [stop.id for stop in route.stops]


def approved_return(database: Database, world: World, *, email: str = "marie@example.com",
                    quantity: int = 1) -> int:
    """A delivered order (through the services) with an approved one-line refund return
    of ``quantity`` units, no driver yet; returns the return id."""
    from dispatch.orders.schemas import AssignIn, DeliverIn
    from dispatch.returns import service as returns
    from dispatch.returns.schemas import ApproveIn, ReturnCreate

    admin = world.principals["admin"]
    order_id = ready_order(database, world, (("RETRO-CLOCK", quantity),), email=email)
    lifecycle.assign(database.uow(), order_id, AssignIn(driver_id=world.drivers["bruno"]), admin)
    lifecycle.depart(database.uow(), order_id, admin)
    order = lifecycle.deliver(database.uow(), order_id, DeliverIn(recipient_name="Marie"), admin)
    body = {"lines": [{"order_line_id": order.lines[0].id, "quantity": quantity,
                       "reason": "damaged"}], "resolution": "refund"}
    ret = returns.request_return(database.uow(), order_id, ReturnCreate.model_validate(body),
                                 admin, return_window=timedelta(days=30))
    returns.approve(database.uow(), ret.id, ApproveIn(), admin)
    return ret.id
