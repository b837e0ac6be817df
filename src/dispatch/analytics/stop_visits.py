"""Reads the stops served in a period as ``StopVisit``s (``time_lost``).

A driver's stops are taken in the order they were finished; a stop's leg starts at the
previous stop the driver finished on the same trip (since the route's departure), else at
the warehouse at the departure. The planned leg is timed as planning and the ETA engine
time it: the great-circle matrix at the driver's speed factor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.analytics.kpi_facts import Keys
from dispatch.analytics.time_lost import StopVisit
from dispatch.analytics.zones import zone_of
from dispatch.fleet.models import Driver
from dispatch.routing import GeoPoint, GreatCircleMatrix
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop

FINISHED = ("completed", "failed")


def stop_visits(db: Session, start: datetime, end: datetime,
                zone_precision: int) -> list[StopVisit]:
    rows = db.execute(
        select(RouteStop.route_id, RouteStop.lat, RouteStop.lon, RouteStop.arrived_at,
               RouteStop.finished_at, RouteStop.window_start, RouteStop.window_end,
               RouteStop.service_seconds, RouteStop.planned_eta, DriverRoute.driver_id,
               DriverRoute.warehouse_id, DriverRoute.departed_at, Driver.speed_factor,
               Warehouse.lat.label("w_lat"), Warehouse.lon.label("w_lon"))
        .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
        .join(Driver, Driver.id == DriverRoute.driver_id)
        .join(Warehouse, Warehouse.id == DriverRoute.warehouse_id)
        .where(RouteStop.status.in_(FINISHED), RouteStop.finished_at >= start,
               RouteStop.finished_at < end)
        .order_by(DriverRoute.driver_id, RouteStop.finished_at, RouteStop.id)).all()
    matrix = GreatCircleMatrix()
    visits: list[StopVisit] = []
    previous = None
    for row in rows:
        same_trip = (previous is not None and previous.driver_id == row.driver_id
                     and row.departed_at is not None and previous.finished_at >= row.departed_at)
        if same_trip:
            origin, left_at = GeoPoint(previous.lat, previous.lon), previous.finished_at
        else:
            origin, left_at = GeoPoint(row.w_lat, row.w_lon), row.departed_at
        previous = row
        if row.arrived_at is None or left_at is None or left_at > row.arrived_at:
            continue  # failed without arriving, or a leg we cannot place in time
        leg = float(matrix.matrix([origin, GeoPoint(row.lat, row.lon)]).duration[0, 1])
        visits.append(StopVisit(
            Keys(row.arrived_at.date().isoformat(), row.driver_id, row.warehouse_id,
                 zone_of(row.lat, row.lon, zone_precision)),
            row.route_id, left_at, row.arrived_at, row.finished_at, row.window_start,
            row.window_end, leg / (row.speed_factor or 1.0), row.service_seconds,
            row.planned_eta))
    return visits
