"""Seed the demo: the restaurant-lunch scenario as an operation in progress.

The first run writes the scenario's kitchen, catalogue, opening stock and bikes with their
shifts (``sim.setup.seed_operation``), on the scenario's timeline slid onto the real clock
(``demo.day``: its first order time is now), then serves the lunch so far
(``demo.lunch``): orders placed, some on the road after the kitchen's first wave, some
ready for the next one, the rest being prepared. The kitchen then batches as the scenario
says (a wave every 5 minutes while work waits), and a dispatcher may plan one on the page
at any time.

Later runs keep the data, put drivers who are off shift back on a shift for the day, and
issue fresh tokens (only hashes are stored, so old ones cannot be shown; the old ones are
revoked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update

from dispatch.auth.models import User
from dispatch.auth.roles import Role
from dispatch.auth.service import create_user
from dispatch.common import clock
from dispatch.db.database import Database
from dispatch.demo.day import DEFAULT_SCENARIO, demo_day_start, ensure_shifts, first_order_minute
from dispatch.demo.lunch import Lunch, serve_first_orders
from dispatch.fleet.models import Driver
from dispatch.orders.models import Order
from dispatch.scenarios.clock import Clock
from dispatch.scenarios.loading import load_scenario
from dispatch.scenarios.schema import Scenario
from dispatch.settings import Settings
from dispatch.sim.setup import seed_operation
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute

USERS = "demo"  # demo users are named demo-admin, demo-dispatcher, demo-bike-1, ...
STAFF = (Role.ADMIN, Role.DISPATCHER, Role.OPERATOR)


@dataclass(frozen=True)
class DemoSeed:
    """What ``dispatch demo`` prints: fresh tokens, and what the run did."""

    tokens: dict[str, str]  # "admin", "dispatcher", "operator", "driver bike-1" -> token
    seeded: bool  # False: the database already held an operation, kept as it was
    lunch: Lunch | None = None  # the orders this run placed (first run only)
    shifts_added: int = 0
    tracking_token: str | None = None  # one customer's tracking link
    driver_on_route: str | None = None  # the token label of a driver with a stop list
    opens_at: datetime | None = None  # the scenario's first order time on the real clock
    opens_at_scenario: str = ""  # ... and on the scenario's clock ("11:30")


def seed_demo(database: Database, settings: Settings, *, scenario: Scenario | None = None,
              orders: int = 24, now: datetime | None = None) -> DemoSeed:
    """Seed once (``scenario``, default restaurant-lunch), then issue fresh demo tokens.
    ``now`` (default the real clock) also stamps everything the services write."""
    scenario = scenario or load_scenario(DEFAULT_SCENARIO)
    if orders < 0:
        raise ValueError(f"orders: expected 0 or more, got {orders}")
    if now is None:
        return _seed(database, settings, scenario, orders, clock.now())
    with clock.simulated(lambda: now):
        return _seed(database, settings, scenario, orders, now)


def _seed(database: Database, settings: Settings, scenario: Scenario, count: int,
          now: datetime) -> DemoSeed:
    day_start = demo_day_start(scenario, now)
    first = first_order_minute(scenario)
    opens = {"opens_at": day_start + timedelta(minutes=first),
             "opens_at_scenario": str(Clock(first))}
    with database.read_uow() as uow:
        fresh = uow.db.scalars(select(Warehouse.id).limit(1)).first() is None
    if not fresh:
        with database.uow() as uow:
            added = ensure_shifts(uow.db, scenario, day_start, now)
            tokens = _reissue_tokens(uow.db)
            uow.commit()
        return DemoSeed(tokens, False, shifts_added=added, **opens, **_showcase(database))
    op = seed_operation(database, scenario, day_start, users=USERS, simulated_dispatcher=False)
    with database.uow() as uow:
        _, op.tokens[f"{USERS}-admin"] = create_user(db=uow.db, name=f"{USERS}-admin",
                                                     role=Role.ADMIN)
        uow.commit()
    lunch = serve_first_orders(database, settings, scenario, op, day_start, count, now)
    return DemoSeed(_labelled(op.tokens), True, lunch, **opens, **_showcase(database))


def _reissue_tokens(db) -> dict[str, str]:
    """Revoke every demo token and issue new ones: staff, and one per active driver."""
    db.execute(update(User).where(User.name.like(f"{USERS}-%")).values(active=False))
    tokens = {}
    for role in STAFF:
        _, tokens[f"{USERS}-{role.value}"] = create_user(db=db, name=f"{USERS}-{role.value}",
                                                         role=role)
    for driver in db.scalars(select(Driver).where(Driver.active.is_(True)).order_by(Driver.id)):
        _, tokens[f"{USERS}-{driver.name}"] = create_user(
            db=db, name=f"{USERS}-{driver.name}", role=Role.DRIVER, driver_id=driver.id)
    return _labelled(tokens)


def _labelled(tokens: dict[str, str]) -> dict[str, str]:
    """User names to what the table shows: staff roles first, then "driver NAME"."""
    staff = {role.value for role in STAFF}
    named = {name.removeprefix(f"{USERS}-"): token for name, token in tokens.items()}
    labels = {role: named[role] for role in (r.value for r in STAFF) if role in named}
    labels.update({f"driver {name}": token for name, token in named.items()
                   if name not in staff})
    return labels


def _showcase(database: Database) -> dict[str, str | None]:
    """A tracking link (an order on a route if any, else a ready one) and a driver with
    a stop list, for the printed examples."""
    rank = case({"out_for_delivery": 0, "planned": 1}, value=Order.status, else_=2)
    with database.read_uow() as uow:
        token = uow.db.scalar(select(Order.tracking_token).where(
            Order.status.in_(("ready", "planned", "out_for_delivery")))
            .order_by(rank, Order.id).limit(1))
        driver = uow.db.scalar(select(Driver.name).join(
            DriverRoute, DriverRoute.driver_id == Driver.id).where(
            DriverRoute.status == "active").order_by(Driver.id).limit(1))
    return {"tracking_token": token,
            "driver_on_route": f"driver {driver}" if driver is not None else None}
