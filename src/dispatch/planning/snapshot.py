"""Reading everything a plan is built on, in one transaction, and recording its versions.

The snapshot holds the ready orders and approved return pickups of the warehouses, the
chosen drivers with their current shift, and for a re-plan the stops still to do on those
drivers' active routes (with the drivers' last positions). ``versions`` records what each
row looked like, so a commit can refuse a plan whose ground has moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.common.geo import haversine_km
from dispatch.errors import Invalid, NotFound
from dispatch.fleet.models import Driver, DriverShift
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.planning.doorstep import DoorstepTime
from dispatch.planning.problem_builder import StopInput, VehicleInput
from dispatch.returns.domain import ReturnStatus
from dispatch.returns.models import Return
from dispatch.stock.models import Sku, Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.models import DriverPosition

ACTIVE = "active"
OPEN_STOP = ("pending", "arrived")
ON_ROUTE = (OrderStatus.PLANNED.value, OrderStatus.OUT_FOR_DELIVERY.value)


@dataclass(frozen=True)
class Snapshot:
    vehicles: tuple[VehicleInput, ...]
    stops: tuple[StopInput, ...]
    versions: dict[str, Any]


def require_warehouses(db: Session, warehouse_ids: Sequence[int]) -> dict[int, Warehouse]:
    found = {w.id: w for w in db.scalars(select(Warehouse).where(Warehouse.id.in_(warehouse_ids)))}
    for i, warehouse_id in enumerate(warehouse_ids):
        if warehouse_id not in found:
            raise NotFound(f"warehouse {warehouse_id} does not exist", field=f"warehouse_ids[{i}]")
    return found


def live_shifts(db: Session, driver_ids: Iterable[int], now: datetime) -> dict[int, DriverShift]:
    """Each driver's current or next shift: not cancelled, not yet over."""
    shifts: dict[int, DriverShift] = {}
    for shift in db.scalars(
        select(DriverShift)
        .where(DriverShift.driver_id.in_(list(driver_ids)), DriverShift.cancelled.is_(False),
               DriverShift.ends_at > now)
        .order_by(DriverShift.starts_at)
    ):
        shifts.setdefault(shift.driver_id, shift)
    return shifts


def choose_drivers(db: Session, warehouse_ids: Sequence[int], driver_ids: Sequence[int] | None,
                   now: datetime) -> list[tuple[Driver, DriverShift]]:
    """The drivers to route with their shift: those named (each checked), or every active
    driver of the warehouses who has a shift that has not ended."""
    if driver_ids is None:
        drivers = list(db.scalars(select(Driver).where(
            Driver.warehouse_id.in_(warehouse_ids), Driver.active.is_(True)).order_by(Driver.id)))
        shifts = live_shifts(db, [d.id for d in drivers], now)
        chosen = [(d, shifts[d.id]) for d in drivers if d.id in shifts]
    else:
        found = {d.id: d for d in db.scalars(select(Driver).where(Driver.id.in_(driver_ids)))}
        shifts = live_shifts(db, found, now)
        chosen = []
        for i, driver_id in enumerate(driver_ids):
            field = f"driver_ids[{i}]"
            driver = found.get(driver_id)
            if driver is None:
                raise NotFound(f"driver {driver_id} does not exist", field=field)
            if not driver.active:
                raise Invalid(f"driver {driver_id} is inactive", field=field)
            if driver.warehouse_id not in warehouse_ids:
                raise Invalid(f"driver {driver_id} works from warehouse {driver.warehouse_id},"
                              " which is not in warehouse_ids", field=field)
            if driver_id not in shifts:
                raise Invalid(f"driver {driver_id} has no shift that has not ended", field=field)
            chosen.append((driver, shifts[driver_id]))
    if not chosen:
        raise Invalid("no driver of these warehouses is on a shift that has not ended",
                      field="driver_ids")
    return chosen


def _sku_table(db: Session, sku_ids: set[int]) -> dict[int, Sku]:
    return {s.id: s for s in db.scalars(select(Sku).where(Sku.id.in_(sku_ids)))} if sku_ids else {}


def _demand(lines: Iterable[tuple[int, int]], skus: dict[int, Sku]) -> tuple[int, int, frozenset]:
    """Weight, volume and skills of ``(sku_id, quantity)`` lines."""
    weight = volume = 0
    skills: set[str] = set()
    for sku_id, quantity in lines:
        sku = skus[sku_id]
        weight += sku.weight_g * quantity
        volume += sku.volume_ml * quantity
        skills.update(sku.skills or ())
    return weight, volume, frozenset(skills)


def order_skills(db: Session, order_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """What each order's goods need of a vehicle (a hot bag, a fridge): the skills its stop
    carries in a plan."""
    orders = list(db.scalars(select(Order).options(selectinload(Order.lines))
                             .where(Order.id.in_(list(order_ids)))))
    skus = _sku_table(db, {ln.sku_id for o in orders for ln in o.lines})
    return {o.id: _demand(((ln.sku_id, ln.quantity) for ln in o.lines), skus)[2]
            for o in orders}


def _order_stop(order: Order, skus: dict[int, Sku], service: DoorstepTime | float,
                **on_route: Any) -> StopInput:
    """A delivery; ``service`` is its stored time at the door, or the model to time it."""
    weight, volume, skills = _demand(((ln.sku_id, ln.quantity) for ln in order.lines), skus)
    return StopInput(id=f"order:{order.id}", kind="delivery", warehouse_id=order.warehouse_id,
                     lat=order.lat, lon=order.lon, window_start=order.window_start,
                     window_end=order.window_end, weight_g=weight, volume_ml=volume,
                     service_seconds=_seconds(service, weight), skills=skills,
                     priority=order.priority,
                     **on_route)


def _return_stop(ret: Return, order: Order, skus: dict[int, Sku],
                 service: DoorstepTime | float, **on_route: Any) -> StopInput:
    weight, volume, skills = _demand(((ln.sku_id, ln.quantity) for ln in ret.lines), skus)
    return StopInput(id=f"return:{ret.id}", kind="pickup", warehouse_id=ret.warehouse_id,
                     lat=order.lat, lon=order.lon, window_start=ret.pickup_window_start,
                     window_end=ret.pickup_window_end, weight_g=weight, volume_ml=volume,
                     service_seconds=_seconds(service, weight), skills=skills,
                     priority=order.priority,
                     **on_route)


def _seconds(service: DoorstepTime | float, weight_g: int) -> float:
    return service.seconds(weight_g) if isinstance(service, DoorstepTime) else service


def route_fingerprint(route: DriverRoute) -> dict[str, Any]:
    """What a route looked like: any stop arriving, finishing or moving changes it."""
    return {"version": route.version, "status": route.status,
            "stops": {str(s.id): [s.status, s.version] for s in route.stops}}


AWAY_METRES = 200.0
RECENT = timedelta(minutes=30)


def _away(position: DriverPosition | None, home: tuple[float, float], now: datetime) -> bool:
    """Last seen away from the warehouse, recently: riding back from a trip."""
    return (position is not None and now - position.recorded_at <= RECENT
            and haversine_km(position.lat, position.lon, *home) * 1000 > AWAY_METRES)


def _opens_in_time(window_start: datetime | None, opens_before: datetime | None) -> bool:
    return opens_before is None or window_start is None or window_start <= opens_before


def take_snapshot(db: Session, *, warehouse_ids: Sequence[int], driver_ids: Sequence[int] | None,
                  now: datetime, doorstep: DoorstepTime,
                  opens_before: datetime | None = None) -> Snapshot:
    """What a plan starts from. Work not yet on a route whose window opens after
    ``opens_before`` waits for a later plan, so a van is not sent out on one trip that
    waits through the afternoon's slots while the morning's orders pile up."""
    warehouses = require_warehouses(db, warehouse_ids)
    chosen = choose_drivers(db, warehouse_ids, driver_ids, now)
    selected = [d.id for d, _ in chosen]
    routes = list(db.scalars(
        select(DriverRoute).where(DriverRoute.driver_id.in_(selected), DriverRoute.status == ACTIVE)
        .options(selectinload(DriverRoute.stops)).order_by(DriverRoute.id)))
    route_stops = [(r, s) for r in routes for s in r.stops if s.status in OPEN_STOP]
    busy_returns = set(db.scalars(
        select(RouteStop.return_id).join(DriverRoute)
        .where(DriverRoute.status == ACTIVE, RouteStop.status.in_(OPEN_STOP),
               RouteStop.return_id.is_not(None))))
    orders = {o.id: o for o in db.scalars(
        select(Order).options(selectinload(Order.lines)).where(
            (Order.status == OrderStatus.READY.value) & Order.warehouse_id.in_(warehouse_ids)
            | Order.id.in_([s.order_id for _, s in route_stops if s.order_id is not None])))}
    returns = {r.id: r for r in db.scalars(
        select(Return).options(selectinload(Return.lines)).where(
            (Return.status == ReturnStatus.APPROVED.value)
            & Return.warehouse_id.in_(warehouse_ids)
            & Return.pickup_window_start.is_not(None) & Return.pickup_window_end.is_not(None)
            | Return.id.in_([s.return_id for _, s in route_stops if s.return_id is not None])))}
    return_orders = {o.id: o for o in db.scalars(
        select(Order).where(Order.id.in_({r.order_id for r in returns.values()})))}
    skus = _sku_table(db, {ln.sku_id for o in orders.values() for ln in o.lines}
                      | {ln.sku_id for r in returns.values() for ln in r.lines})

    stops: list[StopInput] = []
    on_route: set[str] = set()
    under_way: set[int] = set()
    for route, stop in route_stops:
        state = {"driver_id": route.driver_id, "eta": stop.eta, "arrived": stop.status == "arrived"}
        if stop.order_id is not None:
            order = orders.get(stop.order_id)
            if order is None or order.status not in ON_ROUTE:
                continue
            dispatched = order.status == OrderStatus.OUT_FOR_DELIVERY.value
            stops.append(_order_stop(order, skus, stop.service_seconds, dispatched=dispatched,
                                     **state))
        else:
            ret = returns.get(stop.return_id)
            if ret is None or ret.status != ReturnStatus.APPROVED.value:
                continue
            stops.append(_return_stop(ret, return_orders[ret.order_id], skus,
                                      stop.service_seconds, **state))
        on_route.add(stops[-1].id)
        if stops[-1].dispatched or stops[-1].arrived:
            under_way.add(route.driver_id)
    for route in routes:
        if any(s.status not in OPEN_STOP for s in route.stops):
            under_way.add(route.driver_id)
    for order in orders.values():
        if (order.status == OrderStatus.READY.value and f"order:{order.id}" not in on_route
                and _opens_in_time(order.window_start, opens_before)):
            stops.append(_order_stop(order, skus, doorstep))
    for ret in returns.values():
        if (ret.id not in busy_returns and f"return:{ret.id}" not in on_route
                and _opens_in_time(ret.pickup_window_start, opens_before)):
            stops.append(_return_stop(ret, return_orders[ret.order_id], skus, doorstep))

    positions = {p.driver_id: p for p in db.scalars(
        select(DriverPosition).where(DriverPosition.driver_id.in_(selected)))}
    vehicles = []
    for driver, shift in chosen:
        home = warehouses.get(driver.warehouse_id) or db.get(Warehouse, driver.warehouse_id)
        position = positions.get(driver.id)
        seen = (position.lat, position.lon) if position is not None else None
        vehicles.append(VehicleInput(
            driver_id=driver.id, driver_name=driver.name, shift_id=shift.id,
            warehouse_id=driver.warehouse_id, home=(home.lat, home.lon),
            shift_start=shift.starts_at, shift_end=shift.ends_at,
            capacity_weight_g=driver.capacity_weight_g,
            capacity_volume_ml=driver.capacity_volume_ml, skills=frozenset(driver.skills or ()),
            position=seen if driver.id in under_way else None,
            returning_from=(seen if driver.id not in under_way
                            and _away(position, (home.lat, home.lon), now) else None),
            speed_factor=driver.speed_factor))

    used_orders = {s.order_id for s in stops if s.order_id is not None}
    used_returns = {s.return_id for s in stops if s.return_id is not None}
    versions = {
        "orders": {str(i): orders[i].version for i in sorted(used_orders)},
        "returns": {str(i): returns[i].version for i in sorted(used_returns)},
        "shifts": {str(shift.id): shift.version for _, shift in chosen},
        "routes": {str(r.id): route_fingerprint(r) for r in routes},
    }
    return Snapshot(tuple(vehicles), tuple(stops), versions)
