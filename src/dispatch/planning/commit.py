"""Committing a plan: its routes become the drivers' active routes, all in one transaction.

Nothing is written unless every order, return, shift and route the plan was built on is
as it was then (409 listing what changed). A plan is committed at most once: the status
moves done -> committed by a guarded update, so of two concurrent commits one gets 409.
Old active routes of the plan's drivers become "replaced"; their completed and failed
stops stay there as history, their open stops move to the new routes (keeping their ids,
events and what the customer was told), and work the plan leaves out goes back to the pool.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from dispatch.auth.service import Principal
from dispatch.common.checks import check_version
from dispatch.db.base import utcnow
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, NotFound
from dispatch.events.outbox import publish
from dispatch.events.types import EventType
from dispatch.fleet.models import DriverShift
from dispatch.orders.domain import OrderStatus, check_transition
from dispatch.orders.history import record_status
from dispatch.orders.models import Order
from dispatch.planning.models import Plan
from dispatch.planning.schemas import PlanRead
from dispatch.planning.service import plan_read
from dispatch.planning.snapshot import ACTIVE, OPEN_STOP, route_fingerprint
from dispatch.planning.worker import COMMITTED, DONE
from dispatch.returns.models import Return
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta import EtaLimits, refresh_route

REPLACED = "replaced"


def _ids(section: dict[str, Any]) -> list[int]:
    return [int(key) for key in section]


def _locked(db: Session, model: type, ids: list[int], *options: Any) -> dict[int, Any]:
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids)).with_for_update(of=model)
    return {row.id: row for row in db.scalars(query.options(*options))}


def _version_changes(kind: str, expected: dict[str, int], rows: dict[int, Any],
                     gone: str) -> list[dict[str, Any]]:
    changes = []
    for key, version in expected.items():
        row = rows.get(int(key))
        if row is None:
            changes.append({"kind": kind, "id": int(key), "change": "no longer exists"})
        elif getattr(row, gone, None) in (True, "cancelled"):
            changes.append({"kind": kind, "id": row.id, "change": "cancelled"})
        elif row.version != version:
            status = getattr(row, "status", None)
            now = f", now {status}" if status is not None else ""
            changes.append({"kind": kind, "id": row.id,
                            "change": f"changed (version {version} -> {row.version}{now})"})
    return changes


def snapshot_changes(db: Session, plan: Plan) -> tuple[list[dict[str, Any]], dict[str, dict]]:
    """What changed since the plan's snapshot, and the rows read (locked) to tell."""
    snap = plan.snapshot
    rows = {
        "orders": _locked(db, Order, _ids(snap.get("orders", {}))),
        "returns": _locked(db, Return, _ids(snap.get("returns", {}))),
        "shifts": _locked(db, DriverShift, _ids(snap.get("shifts", {}))),
    }
    changes = (_version_changes("order", snap.get("orders", {}), rows["orders"], "status")
               + _version_changes("return", snap.get("returns", {}), rows["returns"], "status")
               + _version_changes("shift", snap.get("shifts", {}), rows["shifts"], "cancelled"))
    routes = {r.id: r for r in db.scalars(
        select(DriverRoute).where(DriverRoute.driver_id.in_(plan.driver_ids or []),
                                  DriverRoute.status == ACTIVE)
        .options(selectinload(DriverRoute.stops)).with_for_update(of=DriverRoute))}
    expected = snap.get("routes", {})
    for key, fingerprint in expected.items():
        route = routes.get(int(key)) or db.get(DriverRoute, int(key))
        if route is None or route_fingerprint(route) != fingerprint:
            what = "no longer active" if route is not None and route.status != ACTIVE else "changed"
            changes.append({"kind": "route", "id": int(key), "change": what})
    for route_id in sorted(set(routes) - {int(k) for k in expected}):
        changes.append({"kind": "route", "id": route_id, "change": "created after the plan"})
    rows["routes"] = routes
    return changes, rows


def _key(item: dict[str, Any]) -> tuple[str, int]:
    return ("order", item["order_id"]) if "order_id" in item else ("return", item["return_id"])


def _left_out_on_the_way(result: dict[str, Any], rows: dict[str, dict]) -> list[dict[str, Any]]:
    """Orders out for delivery the plan puts on no route: committing would lose them."""
    planned = {_key(s) for r in result["routes"] for s in r["stops"]}
    return [{"kind": "order", "id": order.id, "change": "out for delivery but on no route"}
            for order in rows["orders"].values()
            if order.status == OrderStatus.OUT_FOR_DELIVERY.value
            and ("order", order.id) not in planned]


def _assign_order(db: Session, order: Order, driver_id: int | None, plan_id: int,
                  principal: Principal) -> None:
    if order.status == OrderStatus.READY.value and driver_id is not None:
        check_transition(OrderStatus.READY, OrderStatus.PLANNED)
        order.status, order.driver_id = OrderStatus.PLANNED.value, driver_id
        order.version += 1
        record_status(db, order, OrderStatus.READY.value, OrderStatus.PLANNED.value,
                      reason=f"plan {plan_id}", actor_user_id=principal.user_id)
    elif order.status == OrderStatus.PLANNED.value and driver_id is None:
        check_transition(OrderStatus.PLANNED, OrderStatus.READY)
        order.status, order.driver_id = OrderStatus.READY.value, None
        order.version += 1
        record_status(db, order, OrderStatus.PLANNED.value, OrderStatus.READY.value,
                      reason=f"left out of plan {plan_id}", actor_user_id=principal.user_id)
    elif order.driver_id != driver_id:
        order.driver_id = driver_id
        order.version += 1


def _new_route(plan: Plan, route: dict[str, Any]) -> DriverRoute:
    return DriverRoute(
        plan_id=plan.id, driver_id=route["driver_id"], shift_id=route["shift_id"],
        warehouse_id=route["warehouse_id"], status=ACTIVE,
        planned_start=datetime.fromisoformat(route["start_at"]),
        planned_end=datetime.fromisoformat(route["end_at"]), distance_m=route["distance_m"],
        capacity=route["capacity"], version=1,
    )


def _place(stop: RouteStop | None, item: dict[str, Any], half: timedelta) -> RouteStop:
    """Move an open stop to its new place, or make the stop for new work."""
    eta = datetime.fromisoformat(item["eta"])
    if stop is None:
        stop = RouteStop(kind=item["kind"], order_id=item.get("order_id"),
                         return_id=item.get("return_id"), status="pending", lat=item["lat"],
                         lon=item["lon"], window_start=datetime.fromisoformat(item["window_start"]),
                         window_end=datetime.fromisoformat(item["window_end"]),
                         service_seconds=item["service_seconds"], version=1)
    else:
        stop.version += 1
    stop.sequence = item["sequence"]
    stop.load_after = item["load_after"]
    stop.planned_eta = stop.eta = eta
    stop.eta_low, stop.eta_high = eta - half, eta + half
    return stop


def _apply(db: Session, plan: Plan, rows: dict[str, dict], principal: Principal,
           eta_window: timedelta, now: datetime) -> list[DriverRoute]:
    result = plan.result or {}
    old_routes = [rows["routes"][int(k)] for k in plan.snapshot.get("routes", {})]
    open_stops = {(("order", s.order_id) if s.order_id is not None else ("return", s.return_id)): s
                  for r in old_routes for s in r.stops if s.status in OPEN_STOP}
    departed = {r.driver_id: r.departed_at for r in old_routes if r.departed_at is not None}
    for route in old_routes:
        route.status = REPLACED
        route.version += 1
    orders, returns = rows["orders"], rows["returns"]
    new_routes = []
    for planned in result.get("routes", []):
        route = _new_route(plan, planned)
        route.departed_at = departed.get(route.driver_id)  # still on the road
        db.add(route)
        for item in planned["stops"]:
            kind, work_id = _key(item)
            route.stops.append(_place(open_stops.pop((kind, work_id), None), item, eta_window))
            if kind == "order":
                _assign_order(db, orders[work_id], route.driver_id, plan.id, principal)
            elif returns[work_id].driver_id != route.driver_id:
                returns[work_id].driver_id = route.driver_id
                returns[work_id].version += 1
        new_routes.append(route)
    for (kind, work_id), stop in open_stops.items():  # left out: back to the pool
        if kind == "order" and work_id in orders:
            _assign_order(db, orders[work_id], None, plan.id, principal)
        elif kind == "return" and work_id in returns:
            returns[work_id].driver_id = None
            returns[work_id].version += 1
        db.delete(stop)
    db.flush()
    return new_routes


def commit_plan(uow: UnitOfWork, plan_id: int, principal: Principal,
                expected_version: int | None = None, *, eta_window_minutes: float,
                now: datetime | None = None, eta_limits: EtaLimits | None = None) -> PlanRead:
    """Publish a done plan's routes; 409 with ``changes`` when its ground has moved."""
    now = now or utcnow()
    with uow:
        db = uow.db
        plan = db.get(Plan, plan_id, with_for_update=True)
        if plan is None:
            raise NotFound(f"plan {plan_id} does not exist", field="plan_id")
        check_version("plan", plan_id, plan.version, expected_version)
        if plan.status == COMMITTED:
            raise Conflict(f"plan {plan_id} is already committed", field="plan_id",
                           plan_status=plan.status)
        if plan.status != DONE:
            raise Conflict(f"plan {plan_id} is {plan.status}; only a done plan can be committed",
                           field="plan_id", plan_status=plan.status)
        changes, rows = snapshot_changes(db, plan)
        changes += _left_out_on_the_way(plan.result or {}, rows)
        if changes:
            raise Conflict(f"{len(changes)} things changed since plan {plan_id} was made; "
                           "plan again", field="plan_id", changes=changes)
        claimed = db.execute(
            update(Plan).where(Plan.id == plan_id, Plan.status == DONE)
            .values(status=COMMITTED, committed_at=now, version=Plan.version + 1)
        ).rowcount
        if not claimed:
            raise Conflict(f"plan {plan_id} is already committed", field="plan_id")
        db.refresh(plan)
        routes = _apply(db, plan, rows, principal,
                        timedelta(minutes=eta_window_minutes), now)
        for route in routes:
            refresh_route(db, route.id, now=now, limits=eta_limits)
        replaced = [int(k) for k in plan.snapshot.get("routes", {})]
        publish(db, EventType.PLAN_COMMITTED, {
            "plan_id": plan.id, "warehouse_ids": plan.warehouse_ids,
            "driver_ids": [r.driver_id for r in routes], "route_ids": [r.id for r in routes],
            "replaced_route_ids": replaced,
        }, occurred_at=now)
        db.flush()
        read = plan_read(plan)
        uow.commit()
        return read
