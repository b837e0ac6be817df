"""Published routes, their stops, what happened at each stop, and proof of delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db.base import Base, UTCDateTime, utcnow


class DriverRoute(Base):
    """A driver's committed route for one shift; a re-plan replaces it with a new one."""

    __tablename__ = "driver_routes"
    __table_args__ = (Index("ix_driver_routes_driver_status", "driver_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("driver_shifts.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16))
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime())
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    capacity: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    eta_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the driver left the warehouse (explicitly, or with their first stop event).
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.sequence", cascade="all, delete-orphan"
    )


class RouteStop(Base):
    """One stop of a route: a delivery of an order or a return pickup.

    ``planned_eta`` is what the plan said; ``eta`` with ``eta_low``/``eta_high`` is the
    live estimate the ETA engine keeps up to date.
    """

    __tablename__ = "route_stops"
    __table_args__ = (Index("ix_route_stops_route_sequence", "route_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("driver_routes.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    service_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    load_after: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    planned_eta: Mapped[datetime] = mapped_column(UTCDateTime())
    eta: Mapped[datetime] = mapped_column(UTCDateTime())
    eta_low: Mapped[datetime] = mapped_column(UTCDateTime())
    eta_high: Mapped[datetime] = mapped_column(UTCDateTime())
    # The ETA the customer was last told, and whether "arriving next" went out.
    notified_eta: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arriving_next_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    # Measured ETA error at arrival (actual - latest estimate) and how far ahead that
    # estimate was made; the ETA engine widens its windows from these.
    eta_error_seconds: Mapped[float | None] = mapped_column(Float)
    eta_lead_seconds: Mapped[float | None] = mapped_column(Float)
    # When the ETA engine last kept a snapshot of this stop's ETA (``EtaSnapshot``).
    eta_sampled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    route: Mapped[DriverRoute] = relationship(back_populates="stops")


class StopEvent(Base):
    """Arrived, completed or failed, where the driver was, and whether it looked wrong."""

    __tablename__ = "stop_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stops.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    distance_from_stop_m: Mapped[float | None] = mapped_column(Float)
    flagged_far: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProofOfDelivery(Base):
    """Who took the parcel, with an optional signature or photo kept with its SHA-256.

    Every completed stop has one; a pickup's ``recipient_name`` (who handed the units
    over) is optional, a delivery's is required.
    """

    __tablename__ = "proofs_of_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stops.id"), unique=True)
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    media_type: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
