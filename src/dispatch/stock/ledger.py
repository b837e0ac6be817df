"""The one way stock changes: a guarded update of the level plus a ledger entry.

Every movement is a single conditional ``UPDATE`` whose ``WHERE`` clause re-checks the
invariants (no negative on hand, no reservation beyond on hand) against the row as it is
at that instant. PostgreSQL re-evaluates the clause after waiting for a concurrent writer's
row lock, and SQLite serialises writers, so no interleaving of requests can oversell.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, bindparam, cast, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch.errors import Conflict
from dispatch.stock.domain import MovementKind, movement
from dispatch.stock.models import StockLevel, StockMovement

MAX_UNITS = 2**31 - 1
"""Most units one stock level can hold (its columns are 32-bit on PostgreSQL)."""


def ensure_level(db: Session, warehouse_id: int, sku_id: int) -> None:
    """Create the (warehouse, SKU) level row if it does not exist yet, race-free."""
    values = {"warehouse_id": warehouse_id, "sku_id": sku_id, "on_hand": 0, "reserved": 0,
              "safety_stock": 0, "reorder_point": 0}
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(StockLevel).values(**values).on_conflict_do_nothing(
        index_elements=["warehouse_id", "sku_id"]
    )
    db.execute(stmt)


def _guarded_update():
    """``UPDATE stock_levels`` by the deltas, only where the result keeps the invariants.

    Built once on the table (not per call through the ORM's bulk-update path): the hot
    path of every order placement runs it once per SKU.
    """
    levels = StockLevel.__table__
    # Summed as bigint and capped: the columns are 32-bit on PostgreSQL, where an on hand
    # past 2**31 - 1 was an "integer out of range" error (a 500), not a refused movement.
    new_on_hand = cast(levels.c.on_hand, BigInteger) + bindparam("on_hand_delta", type_=BigInteger)
    new_reserved = cast(levels.c.reserved, BigInteger) + bindparam("reserved_delta",
                                                                   type_=BigInteger)
    return (
        update(levels)
        .where(
            levels.c.warehouse_id == bindparam("level_warehouse_id", type_=Integer),
            levels.c.sku_id == bindparam("level_sku_id", type_=Integer),
            new_on_hand >= 0,
            new_on_hand <= MAX_UNITS,
            new_reserved >= 0,
            new_reserved <= new_on_hand,
        )
        .values(on_hand=new_on_hand, reserved=new_reserved)
    )


_GUARDED_UPDATE = _guarded_update()
_INSERT_MOVEMENT = insert(StockMovement.__table__)


def try_move(
    db: Session,
    *,
    warehouse_id: int,
    sku_id: int,
    kind: MovementKind,
    quantity: int,
    reason: str | None = None,
    reference: str | None = None,
    order_id: int | None = None,
    return_id: int | None = None,
    actor_user_id: int | None = None,
) -> bool:
    """Apply one movement if the invariants allow it; False (and no change) otherwise."""
    m = movement(kind, quantity)
    db.flush()  # rows this session has pending (the order a movement names) go first
    result = db.execute(_GUARDED_UPDATE, {
        "level_warehouse_id": warehouse_id, "level_sku_id": sku_id,
        "on_hand_delta": m.on_hand_delta, "reserved_delta": m.reserved_delta,
    })
    if result.rowcount != 1:
        return False
    db.execute(_INSERT_MOVEMENT, {
        "warehouse_id": warehouse_id,
        "sku_id": sku_id,
        "kind": m.kind.value,
        "quantity": m.quantity,
        "on_hand_delta": m.on_hand_delta,
        "reserved_delta": m.reserved_delta,
        "reason": reason,
        "reference": reference,
        "order_id": order_id,
        "return_id": return_id,
        "actor_user_id": actor_user_id,
    })
    return True


def move(db: Session, **kwargs) -> None:
    """Like ``try_move`` but a refused movement is a 409 naming the quantity."""
    if not try_move(db, **kwargs):
        level = db.scalars(
            select(StockLevel).where(
                StockLevel.warehouse_id == kwargs["warehouse_id"],
                StockLevel.sku_id == kwargs["sku_id"],
            )
        ).one_or_none()
        state = (
            "no stock is recorded there"
            if level is None
            else f"on hand {level.on_hand}, reserved {level.reserved}"
        )
        raise Conflict(
            f"{kwargs['kind']} of {kwargs['quantity']} would break stock invariants ({state})",
            field="quantity",
        )
