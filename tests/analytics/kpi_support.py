"""A day driven through the services, for the KPI, report and CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dispatch.errors import InsufficientStock
from dispatch.orders.models import Order
from dispatch.stoplists import events
from dispatch.stoplists.schemas import ArrivedIn, CompletedIn, FailedIn
from dispatch.tracking.eta import refresh_route
from dispatch.tracking.models import DriverPing
from tests.support.routes import placed_order, publish_route, ready_order, stop_ids
from tests.support.world import CASINO

LARVOTTO = (43.7445, 7.4340)
FONTVIEILLE = (43.7290, 7.4150)
MIN = timedelta(minutes=1)


def at(t0: datetime, minutes: float) -> datetime:
    return t0 + minutes * MIN


def drive_a_route(database, world) -> tuple[datetime, list[int]]:
    """Ana's route of three orders, windows [t0, t0 + 1 h]: the first served at +20 min
    (on time), the second at +70 (10 min late), the third failed at +90 (not home).
    The ETA engine ran at +10 min; two pings at +30 and +40."""
    t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    points = (CASINO, LARVOTTO, FONTVIEILLE)
    order_ids = [ready_order(database, world, where=p, email=f"k{i}@example.com")
                 for i, p in enumerate(points)]
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id.in_(order_ids))
                       .values(window_start=t0, window_end=at(t0, 60)))
        uow.db.add_all([DriverPing(driver_id=world.drivers["ana"], lat=p[0], lon=p[1],
                                   recorded_at=at(t0, m)) for m, p in ((30, CASINO),
                                                                       (40, LARVOTTO))])
        uow.commit()
    route_id = publish_route(database, world, "ana", order_ids, start=t0)
    with database.uow() as uow:
        refresh_route(uow.db, route_id, now=at(t0, 10))
        uow.commit()
    first, second, third = stop_ids(database, route_id)
    ana = world.principals["driver"]
    events.arrive(database.uow(), ana, first, ArrivedIn(at=at(t0, 20)))
    events.complete(database.uow(), ana, first, CompletedIn(recipient_name="A", at=at(t0, 25)))
    events.arrive(database.uow(), ana, second, ArrivedIn(at=at(t0, 70)))
    events.complete(database.uow(), ana, second, CompletedIn(recipient_name="B", at=at(t0, 75)))
    events.fail(database.uow(), ana, third, FailedIn(reason="not_home", at=at(t0, 90)))
    with pytest.raises(InsufficientStock):
        placed_order(database, world, (("RETRO-CLOCK", 1000),))
    return t0, order_ids


