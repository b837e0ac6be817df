"""What a simulated day leaves behind: the KPIs (JSON), every order status change, stop
event, return step and customer notification (CSV, in time order), and the day's
driving on an offline map."""

from __future__ import annotations

import csv
import json
from datetime import UTC
from pathlib import Path

import folium
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.events.models import OutboxEvent
from dispatch.events.types import EventType
from dispatch.maps.assets import OfflineMap
from dispatch.maps.plan_map import DEPOT_COLOUR, PALETTE
from dispatch.notifications.models import Notification
from dispatch.notifications.service import SENT
from dispatch.notifications.templates import format_money
from dispatch.orders.models import Order, OrderEvent
from dispatch.returns.models import Return
from dispatch.sim.kpis import DayKpis
from dispatch.sim.run import DayRun
from dispatch.stock.domain import MovementKind
from dispatch.stock.models import Sku, StockMovement
from dispatch.stoplists.models import RouteStop, StopEvent

STATUS_COLOURS = {"delivered": "#2ca02c", "cancelled": "#555555"}
RETURN_EVENTS = {EventType.RETURN_APPROVED.value: "approved",
                 EventType.RETURN_PICKED_UP.value: "picked_up",
                 EventType.REFUND_ISSUED.value: "refunded"}


def write_report(run: DayRun, kpis: DayKpis, out: Path) -> dict[str, Path]:
    """Write ``kpis.json``, ``events.csv`` and ``map.html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"kpis": out / "kpis.json", "events": out / "events.csv", "map": out / "map.html"}
    paths["kpis"].write_text(json.dumps({
        "scenario": run.scenario.name, "seed": run.options.seed,
        "day": run.day_start.date().isoformat(), **kpis.as_dict()}, indent=2) + "\n")
    _events_csv(run, paths["events"])
    day_map(run).save(str(paths["map"]))
    return paths


def _events_csv(run: DayRun, path: Path) -> None:
    with run.database.read_uow() as uow:
        db = uow.db
        rows = [(e.created_at, "order", e.order_id, None, None, e.to_status, e.reason or "")
                for e in db.scalars(select(OrderEvent))]
        # A pickup stop names its return, not an order: show the returned order.
        rows += [(e.occurred_at, "stop", stop.order_id or returned, e.stop_id, e.driver_id,
                  e.kind, e.reason or "")
                 for e, stop, returned in db.execute(
                     select(StopEvent, RouteStop, Return.order_id)
                     .join(RouteStop, RouteStop.id == StopEvent.stop_id)
                     .outerjoin(Return, Return.id == RouteStop.return_id))]
        rows += _return_rows(db)
        rows += [(n.sent_at, "notification", n.order_id, None, None, n.template, n.subject)
                 for n in db.scalars(select(Notification).where(Notification.status == SENT)
                                     .order_by(Notification.id))]
    rows += [(r.at, "refused", None, None, None, r.code, r.detail) for r in run.refused]
    rows += [(r.at, "refused", r.order_id, None, None, r.code, f"return: {r.detail}")
             for r in run.fleet.returns.refused]
    rows.sort(key=lambda row: (row[0], row[1]))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["at", "kind", "order_id", "stop_id", "driver_id", "what", "detail"])
        for at, *rest in rows:  # all in UTC, so the column sorts as text too
            writer.writerow([at.astimezone(UTC).isoformat(),
                             *("" if v is None else v for v in rest)])


def _return_rows(db: Session) -> list[tuple]:
    """Each return's request, approval, collection, restocked units and refund: the
    steps the service keeps a time for (restocking comes before the refund it allows,
    at the same instant, hence listed first)."""
    rows = [(r.created_at, "return", r.order_id, None, None, "requested",
             f"return {r.id}: {r.resolution}")
            for r in db.scalars(select(Return).order_by(Return.id))]
    rows += [(m.created_at, "return", order_id, None, None, "restocked",
              f"return {m.return_id}: {m.quantity} x {code}")
             for m, code, order_id in db.execute(
                 select(StockMovement, Sku.code, Return.order_id)
                 .join(Sku, Sku.id == StockMovement.sku_id)
                 .join(Return, Return.id == StockMovement.return_id)
                 .where(StockMovement.kind == MovementKind.RETURN_RESTOCK.value)
                 .order_by(StockMovement.id))]
    rows += [(e.occurred_at, "return", e.order_id, None, e.driver_id, RETURN_EVENTS[e.type],
              _return_detail(e.payload))
             for e in db.scalars(select(OutboxEvent).where(OutboxEvent.type.in_(RETURN_EVENTS))
                                 .order_by(OutboxEvent.id))]
    return rows


def _return_detail(payload: dict) -> str:
    """``return 3``, and for a refund what was paid back (``return 3: 12.50 EUR``)."""
    amount, currency = payload.get("amount_minor"), payload.get("currency")
    money = f": {format_money(amount, currency)}" if isinstance(amount, int) else ""
    return f"return {payload.get('return_id')}{money}"


def day_map(run: DayRun) -> folium.Map:
    """Each driver's legs in their colour, depots, and orders by how they ended."""
    depots = [(d.lat, d.lon, d.name) for d in run.scenario.depots]
    fmap = OfflineMap(location=[depots[0][0], depots[0][1]], zoom_start=13)
    points = [[lat, lon] for lat, lon, _ in depots]
    for index, state in enumerate(run.fleet.states.values()):
        colour = PALETTE[index % len(PALETTE)]
        for _, _, lat1, lon1, lat2, lon2 in state.legs:
            folium.PolyLine([[lat1, lon1], [lat2, lon2]], color=colour, weight=3,
                            opacity=0.8, tooltip=state.driver.name).add_to(fmap)
    with run.database.read_uow() as uow:
        orders = uow.db.execute(select(Order.id, Order.status, Order.lat, Order.lon)
                                .where(Order.id.in_(list(run.placed.values())))).all()
    for order in orders:
        folium.CircleMarker([order.lat, order.lon], radius=4, weight=1, fill=True,
                            color=STATUS_COLOURS.get(order.status, "#d62728"),
                            fill_opacity=0.9,
                            tooltip=f"order {order.id}: {order.status}").add_to(fmap)
        points.append([order.lat, order.lon])
    for lat, lon, name in depots:
        folium.CircleMarker([lat, lon], radius=8, color=DEPOT_COLOUR, fill=True,
                            fill_opacity=1, tooltip=name).add_to(fmap)
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return fmap
