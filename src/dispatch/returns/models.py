"""Returns and exchanges: requested lines, inspection outcomes and replacements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db.base import Base, UTCDateTime, utcnow


class Return(Base):
    """A return of some delivered units; approved returns become pickup stops."""

    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    resolution: Mapped[str] = mapped_column(String(16))
    pickup_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(String(300))
    refund_minor: Mapped[int | None] = mapped_column(BigInteger)
    exchange_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"), index=True)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[ReturnLine]] = relationship(
        order_by="ReturnLine.id", cascade="all, delete-orphan"
    )
    replacement_lines: Mapped[list[ReturnReplacementLine]] = relationship(
        order_by="ReturnReplacementLine.id", cascade="all, delete-orphan"
    )


class ReturnLine(Base):
    """Units of one order line coming back, why, and what inspection decided."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(16))


class ReturnReplacementLine(Base):
    """What an exchange sends out instead."""

    __tablename__ = "return_replacement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
