"""The drivers table: who can be routed, from where, with what vehicle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class Driver(Base):
    """A driver and the vehicle they drive; capacities feed the routing dimensions."""

    __tablename__ = "drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    vehicle: Mapped[str] = mapped_column(String(20), default="van")
    capacity_weight_g: Mapped[int] = mapped_column(Integer)
    capacity_volume_ml: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # x the default road speeds: plans and ETAs time this vehicle's legs with it.
    speed_factor: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DriverShift(Base):
    """When a driver works: planning only puts drivers on routes inside a shift."""

    __tablename__ = "driver_shifts"
    __table_args__ = (Index("ix_driver_shifts_driver_start", "driver_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
