"""A scenario's operation written into a fresh database through the services: warehouses
with their batching policies, the catalogue and opening stock, drivers with their day's
shifts, and the staff and driver principals the simulated actors act as."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal, create_user
from dispatch.db.database import Database
from dispatch.fleet.models import Driver, DriverShift
from dispatch.planning import waves
from dispatch.planning.wave_schemas import BatchPolicyIn
from dispatch.scenarios.schema import Scenario
from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, move
from dispatch.stock.models import Sku, Warehouse


@dataclass(frozen=True)
class SimDriver:
    """One simulated driver: who they are in the service, and how fast they ride."""

    id: int
    name: str
    depot: str
    warehouse_id: int
    speed_factor: float
    principal: Principal
    shifts: tuple[tuple[datetime, datetime], ...] = ()


@dataclass
class Operation:
    """What the simulator needs to act on the seeded database."""

    warehouses: dict[str, int] = field(default_factory=dict)  # depot id -> warehouse id
    skus: dict[str, int] = field(default_factory=dict)
    drivers: list[SimDriver] = field(default_factory=list)
    dispatcher: Principal | None = None
    operator: Principal | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # user name -> bearer token

    def driver(self, driver_id: int) -> SimDriver:
        return next(d for d in self.drivers if d.id == driver_id)


def seed_operation(database: Database, scenario: Scenario, day_start: datetime, *,
                   users: str = "sim", simulated_dispatcher: bool = True) -> Operation:
    """Write the scenario's depots, catalogue, stock, fleet and shifts for the day that
    starts at ``day_start`` (local midnight, aware). Users are named ``{users}-dispatcher``,
    ``{users}-{driver}``...; their tokens come back in ``Operation.tokens``. With
    ``simulated_dispatcher`` an on-demand depot plans as soon as work is ready (below);
    without, it waits for a person, as the scenario says."""
    op = Operation()
    with database.uow() as uow:
        db = uow.db
        for depot in scenario.depots:
            warehouse = Warehouse(code=depot.id.upper()[:32], name=depot.name,
                                  lat=depot.lat, lon=depot.lon)
            db.add(warehouse)
            db.flush()
            op.warehouses[depot.id] = warehouse.id
        for item in scenario.catalogue.skus:
            sku = Sku(code=item.code, name=item.name, price_minor=item.price_minor,
                      currency=item.currency, weight_g=item.weight_g,
                      volume_ml=item.volume_ml, skills=list(item.skills))
            db.add(sku)
            db.flush()
            op.skus[item.code] = sku.id
        for depot_id, levels in scenario.catalogue.opening_stock.items():
            for code, quantity in levels.items():
                warehouse_id, sku_id = op.warehouses[depot_id], op.skus[code]
                ensure_level(db, warehouse_id, sku_id)
                if quantity:
                    move(db, warehouse_id=warehouse_id, sku_id=sku_id,
                         kind=MovementKind.RECEIPT, quantity=quantity, reference="opening stock")
        for role in (Role.DISPATCHER, Role.OPERATOR):
            user, op.tokens[f"{users}-{role.value}"] = create_user(
                db=db, name=f"{users}-{role.value}", role=role)
            principal = Principal(user.id, user.name, role, None)
            setattr(op, role.value, principal)
        for group in scenario.fleet:
            for name in group.names():
                driver = Driver(name=name, warehouse_id=op.warehouses[group.depot],
                                vehicle=group.vehicle, capacity_weight_g=group.capacity_weight_g,
                                capacity_volume_ml=group.capacity_volume_ml,
                                skills=list(group.skills),
                                speed_factor=float(group.speed_factor))
                db.add(driver)
                db.flush()
                shifts = tuple((day_start + timedelta(minutes=int(start)),
                                day_start + timedelta(minutes=int(end)))
                               for start, end in group.shifts)
                for starts_at, ends_at in shifts:
                    db.add(DriverShift(driver_id=driver.id, cancelled=False, version=1,
                                       starts_at=starts_at, ends_at=ends_at))
                user, op.tokens[f"{users}-{name}"] = create_user(
                    db=db, name=f"{users}-{name}", role=Role.DRIVER, driver_id=driver.id)
                op.drivers.append(SimDriver(
                    driver.id, name, group.depot, op.warehouses[group.depot],
                    float(group.speed_factor),
                    Principal(user.id, user.name, Role.DRIVER, driver.id), shifts))
        uow.commit()
    for depot in scenario.depots:
        # On demand means a dispatcher plans when they see work waiting; the simulated
        # dispatcher looks every minute, which is a threshold of one ready order.
        config = depot.batching.as_config()
        if config["kind"] == "on_demand" and simulated_dispatcher:
            config = {"kind": "threshold", "min_ready": 1}
        waves.set_policy(database.uow(), op.warehouses[depot.id],
                         BatchPolicyIn.model_validate(config))
    return op
