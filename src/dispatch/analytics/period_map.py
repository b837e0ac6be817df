"""The period on a map: zones shaded by on-time rate, each driver's routes in the order
the stops were served, and every order due by how it ended. Offline (``OfflineMap``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import folium
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.analytics.kpi_rows import due_orders
from dispatch.analytics.kpis import Kpis
from dispatch.analytics.zones import zone_bounds
from dispatch.fleet.models import Driver
from dispatch.maps.assets import OfflineMap
from dispatch.maps.plan_map import DEPOT_COLOUR, PALETTE
from dispatch.orders.models import Order
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop

ON_TIME, LATE, MISSED, CANCELLED = "#2ca02c", "#ff7f0e", "#d62728", "#555555"
FINISHED = ("completed", "failed")


def zone_colour(rate: float | None) -> str:
    """Red at 80% on time or less, through yellow, to green at 100%."""
    if rate is None:
        return "#999999"
    share = min(1.0, max(0.0, (rate - 0.8) / 0.2))
    red, green = (255, int(400 * share)) if share < 0.5 else (int(510 * (1 - share)), 200)
    return f"#{red:02x}{green:02x}00"


def period_map(db: Session, start: datetime, end: datetime, now: datetime,
               zones: Sequence[tuple[str, Kpis]]) -> folium.Map:
    due = due_orders(start, end, now).scalar_subquery()
    warehouses = db.execute(select(Warehouse.code, Warehouse.lat, Warehouse.lon)).all()
    orders = db.execute(
        select(Order.id, Order.status, Order.lat, Order.lon, Order.window_end,
               RouteStop.arrived_at, RouteStop.window_start)
        .outerjoin(RouteStop, (RouteStop.order_id == Order.id) & (RouteStop.kind == "delivery")
                   & (RouteStop.status == "completed"))
        .where(Order.id.in_(due)).order_by(Order.id)).all()
    points = [(w.lat, w.lon) for w in warehouses] + [(o.lat, o.lon) for o in orders]
    centre = points[0] if points else (0.0, 0.0)
    fmap = OfflineMap(location=list(centre), zoom_start=13)
    for zone, figures in zones:
        bounds = zone_bounds(zone)
        folium.Rectangle([[bounds.south, bounds.west], [bounds.north, bounds.east]],
                         color=zone_colour(figures.on_time_rate), weight=1, fill=True,
                         fill_opacity=0.25, tooltip=_zone_tip(zone, figures)).add_to(fmap)
    _routes(db, start, end).add_to(fmap)
    for o in orders:
        began = max(o.arrived_at, o.window_start) if o.arrived_at else None
        late = None if began is None else (began - o.window_end).total_seconds() / 60
        colour = (CANCELLED if o.status == "cancelled" else MISSED) if late is None else (
            ON_TIME if late <= 0 else LATE)
        what = o.status if late is None else ("on time" if late <= 0 else f"{late:.0f} min late")
        folium.CircleMarker([o.lat, o.lon], radius=4, weight=1, color=colour, fill=True,
                            fill_opacity=0.9, tooltip=f"order {o.id}: {what}").add_to(fmap)
    for w in warehouses:
        folium.CircleMarker([w.lat, w.lon], radius=8, color=DEPOT_COLOUR, fill=True,
                            fill_opacity=1, tooltip=f"warehouse {w.code}").add_to(fmap)
    if len(points) > 1:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return fmap


def _routes(db: Session, start: datetime, end: datetime) -> folium.FeatureGroup:
    """Each route that served a stop, from its warehouse through its finished stops in the
    order they were finished (a re-plan's routes each draw their own part)."""
    group = folium.FeatureGroup(name="routes")
    rows = db.execute(
        select(DriverRoute.id, DriverRoute.driver_id, Driver.name, Warehouse.lat,
               Warehouse.lon, RouteStop.lat, RouteStop.lon)
        .join(Driver, Driver.id == DriverRoute.driver_id)
        .join(Warehouse, Warehouse.id == DriverRoute.warehouse_id)
        .join(RouteStop, RouteStop.route_id == DriverRoute.id)
        .where(DriverRoute.planned_start >= start, DriverRoute.planned_start < end,
               RouteStop.status.in_(FINISHED))
        .order_by(DriverRoute.id, RouteStop.finished_at, RouteStop.sequence)).all()
    paths: dict[int, tuple[int, str, list[list[float]]]] = {}
    for route_id, driver_id, name, w_lat, w_lon, lat, lon in rows:
        entry = paths.setdefault(route_id, (driver_id, name, [[w_lat, w_lon]]))
        entry[2].append([lat, lon])
    drivers = sorted({driver_id for driver_id, _, _ in paths.values()})
    for driver_id, name, path in paths.values():
        folium.PolyLine(path, color=PALETTE[drivers.index(driver_id) % len(PALETTE)], weight=3,
                        opacity=0.8, tooltip=name).add_to(group)
    return group


def _zone_tip(zone: str, k: Kpis) -> str:
    rate = "n/a" if k.on_time_rate is None else f"{k.on_time_rate:.0%}"
    return f"zone {zone}: {k.orders} due, {rate} on time"

