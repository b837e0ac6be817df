"""Unit tests for the pure stock rules."""

from __future__ import annotations

import pytest

from dispatch.errors import Conflict, Invalid
from dispatch.stock.domain import (
    Level,
    Movement,
    MovementKind,
    Shortfall,
    WarehouseStock,
    best_shortfall,
    fulfilment_candidates,
    haversine_km,
    ledger_balance,
    movement,
    shortfalls,
    sum_lines,
)

MONACO = (43.7384, 7.4246)
NICE = (43.7102, 7.2620)
MENTON = (43.7747, 7.4975)


@pytest.mark.parametrize(
    ("kind", "quantity", "on_hand_delta", "reserved_delta"),
    [
        (MovementKind.RECEIPT, 5, 5, 0),
        (MovementKind.ADJUSTMENT, 3, 3, 0),
        (MovementKind.ADJUSTMENT, -4, -4, 0),
        (MovementKind.RESERVATION, 2, 0, 2),
        (MovementKind.RELEASE, 2, 0, -2),
        (MovementKind.SHIPMENT, 2, -2, -2),
        (MovementKind.RETURN_RESTOCK, 1, 1, 0),
        (MovementKind.SCRAP, 1, -1, 0),
    ],
)
def test_movement_deltas(kind, quantity, on_hand_delta, reserved_delta):
    """Each movement kind has its fixed effect on on-hand and reserved units."""
    assert movement(kind, quantity) == Movement(kind, quantity, on_hand_delta, reserved_delta)


def test_movement_kind_values():
    """Movement kinds serialise to the documented strings."""
    assert [k.value for k in MovementKind] == [
        "receipt",
        "adjustment",
        "reservation",
        "release",
        "shipment",
        "return_restock",
        "scrap",
    ]


@pytest.mark.parametrize("kind", [k for k in MovementKind if k is not MovementKind.ADJUSTMENT])
@pytest.mark.parametrize("quantity", [0, -1])
def test_movement_refuses_non_positive_quantity(kind, quantity):
    """Every kind but adjustment needs a positive quantity."""
    with pytest.raises(Invalid) as exc:
        movement(kind, quantity)
    assert exc.value.field == "quantity"


def test_adjustment_refuses_zero():
    """An adjustment must change stock."""
    with pytest.raises(Invalid) as exc:
        movement(MovementKind.ADJUSTMENT, 0)
    assert exc.value.field == "quantity"


@pytest.mark.parametrize("quantity", [1.0, True, "1"])
def test_movement_refuses_non_int(quantity):
    """Floats, bools and strings are type errors, not quantities."""
    with pytest.raises(TypeError):
        movement(MovementKind.RECEIPT, quantity)


def test_level_available_and_low():
    """Available is on-hand minus reserved; low means at or below the reorder point."""
    level = Level(on_hand=10, reserved=4, reorder_point=6)
    assert level.available == 6
    assert level.is_low
    assert not Level(on_hand=10, reserved=3, reorder_point=6).is_low


def test_level_apply_keeps_thresholds():
    """Applying a movement changes counts and keeps safety stock and reorder point."""
    level = Level(on_hand=10, reserved=2, safety_stock=1, reorder_point=3)
    assert level.apply(movement(MovementKind.SHIPMENT, 2)) == Level(8, 0, 1, 3)


def test_level_refuses_shipping_more_than_on_hand():
    """Scrapping more than is on hand is a conflict naming the excess."""
    with pytest.raises(Conflict) as exc:
        Level(on_hand=3, reserved=0).apply(movement(MovementKind.SCRAP, 5))
    assert exc.value.field == "quantity"
    assert "on_hand" in exc.value.detail and "2 more" in exc.value.detail


def test_level_refuses_releasing_more_than_reserved():
    """Releasing more than is reserved is a conflict naming the excess."""
    with pytest.raises(Conflict) as exc:
        Level(on_hand=5, reserved=1).apply(movement(MovementKind.RELEASE, 3))
    assert "reserved" in exc.value.detail and "2 more" in exc.value.detail


def test_level_refuses_reserving_beyond_on_hand():
    """Reserving more than is available is a conflict (no overselling)."""
    with pytest.raises(Conflict) as exc:
        Level(on_hand=5, reserved=4).apply(movement(MovementKind.RESERVATION, 3))
    assert "by 2" in exc.value.detail


def test_level_refuses_negative_adjustment_below_reserved():
    """Writing stock down below what is promised is refused."""
    with pytest.raises(Conflict):
        Level(on_hand=5, reserved=4).apply(movement(MovementKind.ADJUSTMENT, -2))


def test_level_check():
    """check accepts a sound level and refuses negatives and over-reservation."""
    level = Level(on_hand=5, reserved=5)
    assert level.check() is level
    with pytest.raises(Invalid) as exc:
        Level(on_hand=-1, reserved=0).check()
    assert exc.value.field == "on_hand"
    with pytest.raises(Invalid) as exc:
        Level(on_hand=2, reserved=3).check()
    assert exc.value.field == "reserved"
    with pytest.raises(Invalid) as exc:
        Level(on_hand=2, reserved=0, reorder_point=-1).check()
    assert exc.value.field == "reorder_point"


def test_ledger_balance_matches_level():
    """Summing the ledger gives the same counts as applying it to an empty level."""
    moves = [
        movement(MovementKind.RECEIPT, 20),
        movement(MovementKind.RESERVATION, 5),
        movement(MovementKind.SHIPMENT, 3),
        movement(MovementKind.RELEASE, 1),
        movement(MovementKind.RETURN_RESTOCK, 2),
        movement(MovementKind.SCRAP, 4),
        movement(MovementKind.ADJUSTMENT, -1),
    ]
    level = Level(on_hand=0, reserved=0)
    for m in moves:
        level = level.apply(m)
    assert level == Level(on_hand=14, reserved=1)
    assert ledger_balance(moves) == (14, 1)


def test_ledger_balance_empty():
    """An empty ledger balances to zero."""
    assert ledger_balance([]) == (0, 0)


def test_sum_lines_merges_duplicates_in_first_seen_order():
    """Repeated SKUs are summed, keeping the order they first appeared."""
    totals = sum_lines([("B-2", 1), ("A-1", 2), ("B-2", 3)])
    assert totals == {"B-2": 4, "A-1": 2}
    assert list(totals) == ["B-2", "A-1"]


def test_sum_lines_refuses_empty():
    """An order with no lines is invalid."""
    with pytest.raises(Invalid) as exc:
        sum_lines([])
    assert exc.value.field == "lines"


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_sum_lines_points_at_bad_quantity(bad):
    """A bad quantity is reported against its line index."""
    with pytest.raises(Invalid) as exc:
        sum_lines([("A-1", 1), ("B-2", bad)])
    assert exc.value.field == "lines[1].quantity"


def test_shortfalls_in_needed_order():
    """Short SKUs are listed in request order; missing SKUs count as zero."""
    needed = {"C": 2, "A": 5, "B": 1}
    available = {"A": 3, "B": 1}
    assert shortfalls(needed, available) == [Shortfall("C", 2, 0), Shortfall("A", 5, 3)]
    assert shortfalls({"B": 1}, available) == []


def test_shortfall_as_dict():
    """as_dict gives the plain payload for an error body."""
    assert Shortfall("A", 5, 3).as_dict() == {"sku": "A", "requested": 5, "available": 3}


def test_haversine_km():
    """One degree of longitude at the equator and Monaco to Nice have the known lengths."""
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.195, abs=0.001)
    assert haversine_km(*MONACO, *NICE) == pytest.approx(13.44, abs=0.01)
    assert haversine_km(*MONACO, *MONACO) == 0.0


def test_candidates_skip_nearer_warehouse_without_stock():
    """A customer in Menton is served from Nice when Monaco, though nearer, lacks a line."""
    monaco = WarehouseStock(1, *MONACO, available={"A": 5, "B": 0})
    nice = WarehouseStock(2, *NICE, available={"A": 5, "B": 2})
    assert fulfilment_candidates([monaco, nice], {"A": 2, "B": 1}, *MENTON) == [nice]


def test_candidates_nearest_first():
    """When both can fulfil, the nearer warehouse comes first."""
    nice = WarehouseStock(2, *NICE, available={"A": 5})
    monaco = WarehouseStock(1, *MONACO, available={"A": 5})
    assert fulfilment_candidates([nice, monaco], {"A": 2}, *MENTON) == [monaco, nice]


def test_candidates_tie_broken_by_id():
    """Warehouses at the same spot are ordered by id."""
    w7 = WarehouseStock(7, *NICE, available={"A": 1})
    w3 = WarehouseStock(3, *NICE, available={"A": 1})
    assert fulfilment_candidates([w7, w3], {"A": 1}, *MONACO) == [w3, w7]


def test_candidates_none():
    """No candidate when nobody holds everything."""
    w = WarehouseStock(1, *NICE, available={"A": 1})
    assert fulfilment_candidates([w], {"A": 2}, *MONACO) == []


def test_best_shortfall_uses_largest_single_warehouse():
    """Short SKUs report the most any one warehouse holds, not the sum over warehouses."""
    monaco = WarehouseStock(1, *MONACO, available={"A": 3, "B": 9})
    nice = WarehouseStock(2, *NICE, available={"A": 4})
    needed = {"A": 6, "B": 2, "C": 1}
    assert best_shortfall([monaco, nice], needed) == [Shortfall("A", 6, 4), Shortfall("C", 1, 0)]
