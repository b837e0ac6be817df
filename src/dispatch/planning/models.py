"""Plans: a proposed set of routes for one wave, from request to commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class Plan(Base):
    """One planning run. ``snapshot`` records the versions of everything the plan was built
    on, so a commit can refuse a plan whose orders, returns or shifts changed meanwhile;
    ``result`` holds the proposed routes, unassigned work and KPIs as JSON."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    warehouse_ids: Mapped[list[int]] = mapped_column(JSON)
    driver_ids: Mapped[list[int] | None] = mapped_column(JSON)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    origin_at: Mapped[datetime] = mapped_column(UTCDateTime())
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What a worker process needs to solve it (the inputs and search parameters), kept
    # when plans are solved on Celery workers; ``attempts`` counts the workers that began.
    job: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
