"""Seed the demo: warehouses, catalogue, opening stock, drivers, orders in every state.

Drivers get a shift covering the present on every run, and the two warehouses batch
their waves automatically (one every 15 minutes, the other at six ready orders or 20
minutes of waiting), so a served demo plans, commits and tracks routes by itself.

Everything goes through the real services (orders are placed, reserved, authorised,
and picked the way the API would do it), so the demo database is exactly what
production would hold. Seeding is skipped when the catalogue already exists; tokens are
issued afresh on every run (only their hashes are stored, so old ones cannot be shown).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from dispatch.auth.models import User
from dispatch.auth.roles import Role
from dispatch.auth.service import Principal, create_user
from dispatch.db.database import Database
from dispatch.fleet.models import Driver, DriverShift
from dispatch.orders import lifecycle
from dispatch.orders.models import Order
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import OrderCreate, PickIn
from dispatch.settings import Settings
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, Warehouse

WAREHOUSES = [
    ("MC-PORT", "Monaco Port", "Quai Antoine 1er, Monaco", 43.7347, 7.4216),
    ("MC-FONT", "Fontvieille", "Rue du Gabian, Monaco", 43.7295, 7.4165),
]
# code, name, price (cents), weight g, volume ml, skills
CATALOGUE = [
    ("BREAD-SOURDOUGH", "Sourdough loaf", 450, 800, 3000, []),
    ("MILK-OAT-1L", "Oat milk 1 l", 219, 1050, 1000, []),
    ("EGGS-12", "Free-range eggs x12", 499, 750, 2000, []),
    ("COFFEE-BEANS-1KG", "Espresso beans 1 kg", 1890, 1000, 2500, []),
    ("OLIVE-OIL-75CL", "Olive oil 75 cl", 1290, 1200, 900, []),
    ("TOMATOES-1KG", "Vine tomatoes 1 kg", 399, 1000, 2500, []),
    ("PASTA-500G", "Pasta 500 g", 189, 500, 1200, []),
    ("WATER-6X1.5L", "Still water 6 x 1.5 l", 399, 9200, 10000, []),
    ("YOGURT-4", "Greek yogurt x4", 349, 500, 600, ["refrigerated"]),
    ("SALMON-300G", "Smoked salmon 300 g", 1299, 300, 400, ["refrigerated"]),
    ("ICE-CREAM-1L", "Vanilla ice cream 1 l", 699, 600, 1000, ["refrigerated"]),
    ("FLOWERS-BOUQUET", "Seasonal bouquet", 2490, 900, 8000, []),
]
DRIVERS = [("Ana", "cargo_bike", 60_000, 150_000, []), ("Bruno", "van", 600_000, 3_000_000,
           ["refrigerated"]), ("Chiara", "van", 600_000, 3_000_000, ["refrigerated"]),
           ("Dario", "cargo_bike", 60_000, 150_000, []), ("Elena", "car", 200_000, 500_000, []),
           ("Farid", "van", 600_000, 3_000_000, [])]
CUSTOMERS = ["Louise", "Hugo", "Jade", "Léo", "Emma", "Gabriel", "Alice", "Raphaël", "Chloé",
             "Arthur", "Inès", "Jules", "Lina", "Adam", "Mia", "Noah", "Rose", "Louis"]
# A box around Monaco's streets: Fontvieille to Larvotto.
LAT_RANGE, LON_RANGE = (43.7280, 43.7470), (7.4130, 7.4380)


BATCH_POLICIES = {
    "MC-PORT": {"kind": "periodic", "every_minutes": 15},
    "MC-FONT": {"kind": "threshold", "min_ready": 6, "max_wait_minutes": 20},
}
SHIFT_BEFORE, SHIFT_AFTER = timedelta(hours=1), timedelta(hours=8)


@dataclass(frozen=True)
class DemoTokens:
    tokens: dict[str, str]  # role name → token
    orders: int
    seeded: bool
    tracking_token: str | None = None  # one customer's link, to show the tracking page


def _catalogue(db) -> tuple[list[Warehouse], list[Sku]]:
    warehouses = [Warehouse(code=c, name=n, address=a, lat=lat, lon=lon,
                            batch_policy=BATCH_POLICIES.get(c)) for c, n, a, lat, lon in WAREHOUSES]
    skus = [Sku(code=c, name=n, price_minor=p, currency="EUR", weight_g=w, volume_ml=v,
                skills=s) for c, n, p, w, v, s in CATALOGUE]
    db.add_all(warehouses + skus)
    db.flush()
    rng = random.Random(7)
    for warehouse in warehouses:
        for sku in skus:
            ensure_level(db, warehouse.id, sku.id)
            move(db, warehouse_id=warehouse.id, sku_id=sku.id, kind=MovementKind.RECEIPT,
                 quantity=rng.randint(20, 120), reference="opening stock")
    for i, (name, vehicle, weight, volume, skills) in enumerate(DRIVERS):
        db.add(Driver(name=name, phone=f"+377 6 40 00 00 {10 + i}",
                      warehouse_id=warehouses[i % 2].id, vehicle=vehicle,
                      capacity_weight_g=weight, capacity_volume_ml=volume, skills=skills))
    db.flush()
    return warehouses, skus


def _ensure_shifts(db, now: datetime) -> None:
    """Every active driver on a shift that covers ``now`` (demo runs happen any day)."""
    on_shift = set(db.scalars(select(DriverShift.driver_id).where(
        DriverShift.cancelled.is_(False), DriverShift.starts_at <= now,
        DriverShift.ends_at > now)))
    for driver in db.scalars(select(Driver).where(Driver.active.is_(True))):
        if driver.id in on_shift:
            continue
        # Start after any shift still running later today, so shifts never overlap.
        later = db.scalar(select(DriverShift.ends_at).where(
            DriverShift.driver_id == driver.id, DriverShift.cancelled.is_(False),
            DriverShift.ends_at > now - SHIFT_BEFORE).order_by(DriverShift.ends_at.desc()))
        start = max(now - SHIFT_BEFORE, later) if later is not None else now - SHIFT_BEFORE
        db.add(DriverShift(driver_id=driver.id, starts_at=start, ends_at=now + SHIFT_AFTER,
                           cancelled=False, version=1))


def _a_tracking_token(db) -> str | None:
    return db.scalar(select(Order.tracking_token).where(
        Order.status.in_(("ready", "planned", "out_for_delivery"))).order_by(Order.id))


def _issue_tokens(db) -> dict[str, str]:
    db.execute(update(User).where(User.name.like("demo-%")).values(active=False))
    drivers = db.scalars(select(Driver).order_by(Driver.id)).all()
    tokens = {}
    for role in (Role.ADMIN, Role.DISPATCHER, Role.OPERATOR):
        _, tokens[role.value] = create_user(db=db, name=f"demo-{role.value}", role=role)
    _, tokens[f"driver ({drivers[0].name})"] = create_user(
        db=db, name=f"demo-driver-{drivers[0].id}", role=Role.DRIVER, driver_id=drivers[0].id)
    return tokens


def _orders(database: Database, settings: Settings, admin: Principal, count: int,
            now: datetime) -> int:
    rng = random.Random(11)
    codes = [c for c, *_ in CATALOGUE]
    placed = 0
    for i in range(count):
        start = (now + timedelta(minutes=30 + 15 * (i % 12))).replace(second=0, microsecond=0)
        lines = [{"sku": sku, "quantity": rng.randint(1, 3)}
                 for sku in rng.sample(codes, rng.randint(1, 4))]
        name = CUSTOMERS[i % len(CUSTOMERS)]
        card = i % 3 != 0
        cmd = OrderCreate.model_validate({
            "customer": {"name": name, "email": f"{name.lower()}.{i}@example.mc"},
            "address": {"lat": rng.uniform(*LAT_RANGE), "lon": rng.uniform(*LON_RANGE),
                        "text": f"{rng.randint(1, 40)} boulevard, Monaco"},
            "lines": lines,
            "window": {"start": start, "end": start + timedelta(hours=1)},
            "priority": rng.choice([0, 0, 0, 1, 2]),
            "payment": {"method": "card", "card_token": "tok_visa"} if card
            else {"method": "cash_on_delivery"},
        })
        order = place_order(database.uow(), cmd, admin, geocoder=None,
                            currency=settings.currency,
                            delivery_fee_minor=settings.delivery_fee_minor, now=now)
        placed += 1
        if i % 4 == 0:
            continue  # left confirmed: waiting to be picked
        picked = PickIn.model_validate({"lines": [{"sku": ln.sku, "quantity": ln.quantity}
                                                  for ln in order.lines]})
        lifecycle.pick(database.uow(), order.id, picked, admin)  # ready: waves plan it
    return placed


def seed_demo(database: Database, settings: Settings, *, orders: int = 40,
              now: datetime | None = None) -> DemoTokens:
    """Seed once, then issue fresh demo tokens; returns them for printing."""
    now = now or datetime.now(UTC)
    with database.uow() as uow:
        seeded = uow.db.scalars(select(Warehouse.id).limit(1)).first() is None
        if seeded:
            _catalogue(uow.db)
        tokens = _issue_tokens(uow.db)
        _ensure_shifts(uow.db, now)
        admin_user = uow.db.scalars(
            select(User).where(User.name == "demo-admin", User.active.is_(True))).one()
        admin = Principal(admin_user.id, admin_user.name, Role.ADMIN)
        uow.commit()
    placed = _orders(database, settings, admin, orders, now) if seeded else 0
    with database.uow() as uow:
        tracking = _a_tracking_token(uow.db)
    return DemoTokens(tokens, placed, seeded, tracking)
