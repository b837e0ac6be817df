"""Stockout events: what refused orders asked for that no warehouse had.

A refused order's transaction rolls back, taking every trace of it along; recording the
shortfall in a transaction of its own keeps the demand the shop could not serve, which the
fill-rate and stockout KPIs (and honest demand forecasts) need.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from dispatch.db.uow import UnitOfWork
from dispatch.stock.models import Sku, StockoutEvent

log = logging.getLogger(__name__)


def record_stockouts(uow: UnitOfWork, shortfall: Sequence[dict[str, Any]],
                     warehouse_id: int | None, at: datetime) -> int:
    """Store one event per SKU short (``Shortfall.as_dict()`` rows); returns how many.

    Best effort: the customer's answer is the refusal either way, so a failure to record
    is logged and swallowed rather than turned into a different error.
    """
    if not shortfall:
        return 0
    try:
        with uow:
            ids = dict(uow.db.execute(select(Sku.code, Sku.id).where(
                Sku.code.in_([row["sku"] for row in shortfall]))).all())
            events = [StockoutEvent(warehouse_id=warehouse_id, sku_id=ids[row["sku"]],
                                    requested=row["requested"], available=row["available"],
                                    occurred_at=at)
                      for row in shortfall if row["sku"] in ids]
            uow.db.add_all(events)
            uow.commit()
            return len(events)
    except SQLAlchemyError:
        log.exception("could not record the stockout of %s", shortfall)
        return 0
