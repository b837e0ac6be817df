"""Driver position pings, each driver's current position, and the ETAs shown over time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class DriverPing(Base):
    """Every accepted ping, kept for ETA accuracy and route analytics."""

    __tablename__ = "driver_pings"
    __table_args__ = (Index("ix_driver_pings_driver_time", "driver_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)


class DriverPosition(Base):
    """The newest ping per driver: a late ping never moves it backwards."""

    __tablename__ = "driver_positions"

    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)


class EtaSnapshot(Base):
    """An ETA as it stood at one moment, sampled by the ETA engine every few minutes.

    ETA accuracy depends on how far ahead the estimate was made; the stop keeps only
    its latest, so these samples are what the error-by-lead KPI is measured on.
    """

    __tablename__ = "eta_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stops.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(Integer)
    eta: Mapped[datetime] = mapped_column(UTCDateTime())
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
