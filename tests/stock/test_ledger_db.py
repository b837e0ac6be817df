"""The stock ledger against real databases (SQLite and PostgreSQL).

Seeded stock used here: Monaco (MC) 5 espresso bags and 10 clocks; Nice (NCE) no oat milk.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.stock.domain import MovementKind
from dispatch.stock.ledger import ensure_level, try_move
from dispatch.stock.models import StockLevel, StockMovement
from tests.support.world import seed_world


@pytest.fixture
def world(database):
    return seed_world(database)


def _level(database, world, wh, sku):
    with database.uow() as uow:
        level = uow.db.scalars(
            select(StockLevel).where(StockLevel.warehouse_id == world.warehouses[wh],
                                     StockLevel.sku_id == world.skus[sku])
        ).one_or_none()
        return None if level is None else (level.on_hand, level.reserved)


def _ledger(database):
    with database.uow() as uow:
        return [(m.warehouse_id, m.sku_id, m.kind, m.quantity)
                for m in uow.db.scalars(select(StockMovement).order_by(StockMovement.id))]


def _try(database, world, kind, quantity, wh="MC", sku="ESPRESSO-BEANS"):
    with database.uow() as uow:
        done = try_move(uow.db, warehouse_id=world.warehouses[wh], sku_id=world.skus[sku],
                        kind=kind, quantity=quantity)
        uow.commit()
        return done


def test_try_move_refuses_an_overdraw_and_changes_nothing(database, world):
    """With 5 bags: scrapping 6, reserving 6 or releasing 1 (none reserved) all fail cleanly."""
    ledger = _ledger(database)
    assert len(ledger) == 6  # the opening receipts
    assert _try(database, world, MovementKind.SCRAP, 6) is False
    assert _try(database, world, MovementKind.RESERVATION, 6) is False
    assert _try(database, world, MovementKind.RELEASE, 1) is False
    assert _try(database, world, MovementKind.SHIPMENT, 1) is False
    assert _try(database, world, MovementKind.ADJUSTMENT, -6) is False
    assert _level(database, world, "MC", "ESPRESSO-BEANS") == (5, 0)
    assert _ledger(database) == ledger


def test_try_move_keeps_reserved_within_on_hand(database, world):
    """All 5 bags reserved: scrapping one would leave 4 on hand for 5 promised, so it fails."""
    assert _try(database, world, MovementKind.RESERVATION, 5) is True
    assert _level(database, world, "MC", "ESPRESSO-BEANS") == (5, 5)
    assert _try(database, world, MovementKind.SCRAP, 1) is False
    assert _try(database, world, MovementKind.RESERVATION, 1) is False
    assert _level(database, world, "MC", "ESPRESSO-BEANS") == (5, 5)
    # Shipping 2 of the reserved bags is fine: 3 on hand, 3 reserved.
    assert _try(database, world, MovementKind.SHIPMENT, 2) is True
    assert _level(database, world, "MC", "ESPRESSO-BEANS") == (3, 3)
    mc, beans = world.warehouses["MC"], world.skus["ESPRESSO-BEANS"]
    assert _ledger(database)[-2:] == [(mc, beans, "reservation", 5), (mc, beans, "shipment", 2)]


def test_try_move_on_a_missing_level_is_refused(database, world):
    """Nice has no oat-milk level at all: a receipt there fails without ensure_level."""
    assert _try(database, world, MovementKind.RECEIPT, 3, wh="NCE", sku="OAT-MILK-1L") is False
    assert _level(database, world, "NCE", "OAT-MILK-1L") is None
    assert len(_ledger(database)) == 6


@pytest.mark.parametrize(
    ("column_values", "constraint"),
    [
        ({"reserved": 11}, "reserved_within_on_hand"),  # 10 clocks on hand
        ({"on_hand": -1, "reserved": 0}, "on_hand_non_negative"),
        ({"reserved": -1}, "reserved_non_negative"),
    ],
)
def test_check_constraints_refuse_impossible_levels(database, world, column_values, constraint):
    """A direct UPDATE past the service is refused by the database itself."""
    with database.uow() as uow:
        with pytest.raises(IntegrityError) as refused:
            uow.db.execute(
                update(StockLevel)
                .where(StockLevel.warehouse_id == world.warehouses["MC"],
                       StockLevel.sku_id == world.skus["RETRO-CLOCK"])
                .values(**column_values)
            )
        # SQLite names only the constraint; PostgreSQL the table-prefixed name.
        assert constraint in str(refused.value)
    assert _level(database, world, "MC", "RETRO-CLOCK") == (10, 0)


def test_ensure_level_twice_is_harmless(database, world):
    """ensure_level on an existing level keeps its stock; on a new pair it makes one row."""
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    with database.uow() as uow:
        ensure_level(uow.db, mc, world.skus["RETRO-CLOCK"])
        ensure_level(uow.db, mc, world.skus["RETRO-CLOCK"])
        ensure_level(uow.db, nce, world.skus["OAT-MILK-1L"])
        ensure_level(uow.db, nce, world.skus["OAT-MILK-1L"])
        uow.commit()
    with database.uow() as uow:
        ensure_level(uow.db, nce, world.skus["OAT-MILK-1L"])
        uow.commit()
    assert _level(database, world, "MC", "RETRO-CLOCK") == (10, 0)
    assert _level(database, world, "NCE", "OAT-MILK-1L") == (0, 0)
    with database.uow() as uow:
        assert uow.db.scalar(select(func.count()).select_from(StockLevel)) == 7
        new = uow.db.scalars(select(StockLevel).where(
            StockLevel.warehouse_id == nce, StockLevel.sku_id == world.skus["OAT-MILK-1L"])).one()
        assert (new.safety_stock, new.reorder_point) == (0, 0)
    assert len(_ledger(database)) == 6  # creating a level moves no stock
