"""A small, readable operation to test against: two warehouses, SKUs, drivers, users.

Monaco (MC) is the main warehouse, Nice (NCE) the second; addresses in Monaco are nearer
to MC. Tokens exist for every role, and for two drivers so that object-level rules
(a driver sees only their own) can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal, create_user
from dispatch.db.database import Database
from dispatch.fleet.models import Driver
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, Warehouse

MONACO = (43.7384, 7.4246)
NICE = (43.7102, 7.2620)
CASINO = (43.7396, 7.4276)  # a delivery address in Monaco

SKUS = {
    # code: (name, price_minor, weight_g, volume_ml)
    "RETRO-CLOCK": ("Retro alarm clock", 2490, 800, 1500),
    "OAT-MILK-1L": ("Oat milk 1 l", 219, 1050, 1000),
    "ESPRESSO-BEANS": ("Espresso beans 1 kg", 1890, 1000, 2500),
    "LAST-UNIT-LAMP": ("Designer lamp (one left)", 9900, 3000, 20000),
}


@dataclass
class World:
    warehouses: dict[str, int] = field(default_factory=dict)
    skus: dict[str, int] = field(default_factory=dict)
    drivers: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def seed_world(database: Database, *, stock: dict[tuple[str, str], int] | None = None) -> World:
    """Create the world; ``stock`` maps (warehouse code, SKU code) to units on hand."""
    world = World()
    stock = stock if stock is not None else {
        ("MC", "RETRO-CLOCK"): 10,
        ("MC", "OAT-MILK-1L"): 50,
        ("MC", "ESPRESSO-BEANS"): 5,
        ("NCE", "RETRO-CLOCK"): 20,
        ("NCE", "ESPRESSO-BEANS"): 30,
        ("NCE", "LAST-UNIT-LAMP"): 1,
    }
    with database.uow() as uow:
        db = uow.db
        for code, name, (lat, lon) in (("MC", "Monaco Port", MONACO), ("NCE", "Nice Nord", NICE)):
            warehouse = Warehouse(code=code, name=name, lat=lat, lon=lon)
            db.add(warehouse)
            db.flush()
            world.warehouses[code] = warehouse.id
        for code, (name, price, weight, volume) in SKUS.items():
            sku = Sku(code=code, name=name, price_minor=price, currency="EUR",
                      weight_g=weight, volume_ml=volume, skills=[])
            db.add(sku)
            db.flush()
            world.skus[code] = sku.id
        for (wh, code), qty in stock.items():
            ensure_level(db, world.warehouses[wh], world.skus[code])
            move(db, warehouse_id=world.warehouses[wh], sku_id=world.skus[code],
                 kind=MovementKind.RECEIPT, quantity=qty, reference="opening stock")
        for name in ("ana", "bruno"):
            driver = Driver(name=name.title(), warehouse_id=world.warehouses["MC"],
                            vehicle="van", capacity_weight_g=500_000,
                            capacity_volume_ml=2_000_000, skills=[])
            db.add(driver)
            db.flush()
            world.drivers[name] = driver.id
        users = [("admin", Role.ADMIN, None), ("dispatcher", Role.DISPATCHER, None),
                 ("operator", Role.OPERATOR, None),
                 ("driver", Role.DRIVER, world.drivers["ana"]),
                 ("other_driver", Role.DRIVER, world.drivers["bruno"])]
        for who, role, driver_id in users:
            user, token = create_user(db=db, name=who, role=role, driver_id=driver_id)
            world.tokens[who] = token
            world.principals[who] = Principal(user.id, user.name, role, driver_id)
        uow.commit()
    return world


def order_body(lines=(("RETRO-CLOCK", 1),), *, where=CASINO, card: str | None = None,
               email: str = "marie@example.com", hours_ahead: float = 2.0) -> dict:
    """A valid POST /orders body delivering ``lines`` to ``where`` in a 1-hour window."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) + timedelta(hours=hours_ahead)
    payment = {"method": "card", "card_token": card} if card else {"method": "cash_on_delivery"}
    return {
        "customer": {"name": "Marie Curie", "email": email, "phone": "+377 93 15 00 00"},
        "address": {"text": "Place du Casino, Monaco", "lat": where[0], "lon": where[1]},
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        "payment": payment,
    }
