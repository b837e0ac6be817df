"""Order domain rules: lifecycle moves, pick checks, totals and delivery windows."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from dispatch.errors import IllegalTransition, Invalid
from dispatch.orders.domain import (
    CANCELLABLE,
    STOCK_RESERVED,
    OrderStatus,
    PickDifference,
    Totals,
    check_delivery_window,
    check_transition,
    order_totals,
    pick_differences,
)

# Written out by hand from the spec, so a wrong TRANSITIONS table makes these tests fail.
LEGAL = {
    ("placed", "confirmed"), ("placed", "cancelled"), ("placed", "on_hold"),
    ("on_hold", "confirmed"), ("on_hold", "cancelled"),
    ("confirmed", "picked"), ("confirmed", "cancelled"),
    ("picked", "ready"), ("picked", "cancelled"),
    ("ready", "planned"), ("ready", "cancelled"),
    ("planned", "out_for_delivery"), ("planned", "ready"), ("planned", "cancelled"),
    ("out_for_delivery", "delivered"), ("out_for_delivery", "failed"),
    ("failed", "ready"),
}
ALL_PAIRS = set(product([s.value for s in OrderStatus], repeat=2))
ILLEGAL = sorted(ALL_PAIRS - LEGAL)

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize("current, target", sorted(LEGAL))
def test_legal_order_transition_passes(current, target):
    """Every move in the hand-written table is accepted."""
    check_transition(OrderStatus(current), OrderStatus(target))


@pytest.mark.parametrize("current, target", ILLEGAL)
def test_illegal_order_transition_is_refused(current, target):
    """Every move not in the table (including staying put) raises IllegalTransition."""
    with pytest.raises(IllegalTransition) as info:
        check_transition(OrderStatus(current), OrderStatus(target))
    assert info.value.field == "status"
    assert info.value.extra == {"current": current, "target": target}
    assert "order" in info.value.detail


def test_cancellable_statuses_are_those_before_dispatch():
    """Cancel is legal up to and including planned, never once the van has left."""
    assert {s.value for s in CANCELLABLE} == {"placed", "on_hold", "confirmed", "picked",
                                              "ready", "planned"}


def test_stock_is_reserved_from_confirmation_until_delivery_or_cancel():
    """Placed, delivered and cancelled orders hold no stock; the rest (a held one too) do."""
    assert {s.value for s in STOCK_RESERVED} == {
        "on_hold", "confirmed", "picked", "ready", "planned", "out_for_delivery", "failed",
    }


def test_matching_pick_has_no_differences():
    """Scans that sum to the ordered quantities per SKU give an empty list."""
    ordered = [("RETRO-CLOCK", 2), ("TEA-TIN", 1), ("RETRO-CLOCK", 1)]
    scanned = [("TEA-TIN", 1), ("RETRO-CLOCK", 1), ("RETRO-CLOCK", 2)]
    assert pick_differences(ordered, scanned) == []


def test_pick_differences_sum_per_sku_and_are_sorted():
    """Short, extra and unordered SKUs are all reported, sorted by SKU."""
    ordered = [("RETRO-CLOCK", 2), ("TEA-TIN", 3), ("RETRO-CLOCK", 1), ("MOKA-POT", 1)]
    scanned = [("TEA-TIN", 4), ("RETRO-CLOCK", 1), ("WALL-MAP", 1), ("MOKA-POT", 1)]
    assert pick_differences(ordered, scanned) == [
        PickDifference("RETRO-CLOCK", ordered=3, scanned=1),
        PickDifference("TEA-TIN", ordered=3, scanned=4),
        PickDifference("WALL-MAP", ordered=0, scanned=1),
    ]


def test_pick_difference_missing_is_negative_for_extras():
    """``missing`` counts units still to pick, negative when too many were scanned."""
    assert PickDifference("RETRO-CLOCK", ordered=3, scanned=1).missing == 2
    assert PickDifference("TEA-TIN", ordered=3, scanned=4).missing == -1


def test_unscanned_order_reports_every_sku():
    """With nothing scanned every ordered SKU is missing in full."""
    (diff,) = pick_differences([("RETRO-CLOCK", 2)], [])
    assert diff.missing == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_non_positive_scanned_quantity_names_the_line(bad):
    """A scanned quantity that is not a positive int names its line index."""
    with pytest.raises(Invalid) as info:
        pick_differences([("RETRO-CLOCK", 1)], [("RETRO-CLOCK", 1), ("TEA-TIN", bad)])
    assert info.value.field == "lines[1].quantity"


def test_order_totals_add_lines_and_delivery_fee():
    """Subtotal is price x quantity summed; total adds the fee."""
    totals = order_totals([(2499, 2), (350, 3)], delivery_fee_minor=499)
    assert totals == Totals(subtotal_minor=6048, delivery_fee_minor=499, total_minor=6547)


def test_order_totals_of_no_lines_is_just_the_fee():
    """An empty order costs only its delivery fee."""
    assert order_totals([], 0) == Totals(0, 0, 0)


@pytest.mark.parametrize("lines, fee", [
    ([(24.99, 1)], 499),
    ([(2499, 1.0)], 499),
    ([(2499, 1)], 4.99),
    ([(True, 1)], 499),
    ([(2499, 1)], False),
])
def test_order_totals_refuse_floats_and_bools(lines, fee):
    """Money and quantities must be plain ints; floats and bools raise TypeError."""
    with pytest.raises(TypeError):
        order_totals(lines, fee)


def test_window_in_the_near_future_is_accepted():
    """A two-hour window tomorrow passes."""
    check_delivery_window(NOW + 24 * HOUR, NOW + 26 * HOUR, now=NOW)


def test_window_already_under_way_is_accepted():
    """A window that started but has not ended can still be booked."""
    check_delivery_window(NOW - HOUR, NOW + HOUR, now=NOW)


def test_window_starting_exactly_at_the_horizon_is_accepted():
    """Starting exactly ``max_ahead`` from now is still allowed."""
    check_delivery_window(NOW + 2 * HOUR, NOW + 3 * HOUR, now=NOW, max_ahead=2 * HOUR)


@pytest.mark.parametrize("start, end, field", [
    (NOW.replace(tzinfo=None), NOW + HOUR, "window.start"),
    (NOW, (NOW + HOUR).replace(tzinfo=None), "window.end"),
    (NOW + 2 * HOUR, NOW + HOUR, "window.end"),
    (NOW + HOUR, NOW + HOUR, "window.end"),
    (NOW - 2 * HOUR, NOW - HOUR, "window.end"),
    (NOW - HOUR, NOW, "window.end"),
    (NOW + timedelta(days=30, seconds=1), NOW + timedelta(days=31), "window.start"),
])
def test_bad_windows_name_the_offending_end(start, end, field):
    """Naive, inverted, empty, past and too-distant windows are refused with the field."""
    with pytest.raises(Invalid) as info:
        check_delivery_window(start, end, now=NOW)
    assert info.value.field == field


def test_window_check_refuses_naive_now():
    """The clock itself must be timezone-aware."""
    with pytest.raises(Invalid):
        check_delivery_window(NOW, NOW + HOUR, now=NOW.replace(tzinfo=None))
