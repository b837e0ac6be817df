"""Return domain rules: lifecycle moves, the return window, quantities and refunds."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from dispatch.errors import Conflict, IllegalTransition, Invalid
from dispatch.returns.domain import (
    SELLER_FAULT,
    InspectionOutcome,
    RequestedLine,
    Resolution,
    ReturnReason,
    ReturnStatus,
    check_return_lines,
    check_return_transition,
    check_return_window,
    refund_amount,
    returnable_quantities,
)

# Written out by hand from the spec, so a wrong transition table makes these tests fail.
LEGAL = {
    ("requested", "approved"), ("requested", "rejected"),
    ("approved", "picked_up"),
    ("picked_up", "received"),
    ("received", "refunded"), ("received", "exchanged"),
}
ILLEGAL = sorted(set(product([s.value for s in ReturnStatus], repeat=2)) - LEGAL)

DELIVERED_AT = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
WINDOW = timedelta(days=14)
DAMAGED = ReturnReason.DAMAGED
UNWANTED = ReturnReason.NO_LONGER_NEEDED

CLOCK_LINE, TEA_LINE = 101, 102


@pytest.mark.parametrize("current, target", sorted(LEGAL))
def test_legal_return_transition_passes(current, target):
    """Every move in the hand-written table is accepted."""
    check_return_transition(ReturnStatus(current), ReturnStatus(target))


@pytest.mark.parametrize("current, target", ILLEGAL)
def test_illegal_return_transition_is_refused(current, target):
    """Every move not in the table (including staying put) raises IllegalTransition."""
    with pytest.raises(IllegalTransition) as info:
        check_return_transition(ReturnStatus(current), ReturnStatus(target))
    assert info.value.extra == {"current": current, "target": target}
    assert "return" in info.value.detail


def test_enum_values_are_the_wire_strings():
    """Reasons, resolutions and outcomes serialise to the documented strings."""
    assert [r.value for r in ReturnReason] == [
        "damaged", "wrong_item", "not_as_described", "no_longer_needed", "other",
    ]
    assert {s.value for s in SELLER_FAULT} == {"damaged", "wrong_item", "not_as_described"}
    assert [r.value for r in Resolution] == ["refund", "exchange"]
    assert [o.value for o in InspectionOutcome] == ["restock", "scrap"]


def test_undelivered_order_cannot_be_returned():
    """No delivery time means a Conflict on order_id."""
    with pytest.raises(Conflict) as info:
        check_return_window(None, DELIVERED_AT, WINDOW)
    assert info.value.field == "order_id"


def test_return_exactly_at_the_deadline_is_allowed():
    """The last instant of the window is still in time."""
    check_return_window(DELIVERED_AT, DELIVERED_AT + WINDOW, WINDOW)


def test_return_after_the_deadline_is_refused_naming_it():
    """One microsecond late is a Conflict whose message gives the deadline."""
    with pytest.raises(Conflict) as info:
        check_return_window(DELIVERED_AT, DELIVERED_AT + WINDOW + timedelta(microseconds=1), WINDOW)
    assert info.value.field == "order_id"
    assert "2024-05-15T14:30:00+00:00" in info.value.detail


def test_return_window_refuses_naive_datetimes():
    """Naive datetimes are refused rather than compared."""
    with pytest.raises(Invalid):
        check_return_window(DELIVERED_AT.replace(tzinfo=None), DELIVERED_AT, WINDOW)


def test_returnable_shrinks_with_each_earlier_return():
    """Two earlier returns of the same line add up; other lines are untouched."""
    delivered = {CLOCK_LINE: 3, TEA_LINE: 2}
    assert returnable_quantities(delivered, {}) == {CLOCK_LINE: 3, TEA_LINE: 2}
    first, second = {CLOCK_LINE: 1}, {CLOCK_LINE: 1, TEA_LINE: 2}
    returned = {k: first.get(k, 0) + second.get(k, 0) for k in first.keys() | second.keys()}
    assert returnable_quantities(delivered, returned) == {CLOCK_LINE: 1, TEA_LINE: 0}


def test_returnable_never_goes_below_zero():
    """Over-recorded returns clamp at zero instead of going negative."""
    assert returnable_quantities({CLOCK_LINE: 1}, {CLOCK_LINE: 5}) == {CLOCK_LINE: 0}


def test_request_within_limits_passes():
    """Split lines that sum to exactly the limit are accepted."""
    check_return_lines(
        [RequestedLine(CLOCK_LINE, 1, DAMAGED), RequestedLine(CLOCK_LINE, 1, UNWANTED),
         RequestedLine(TEA_LINE, 1, UNWANTED)],
        {CLOCK_LINE: 2, TEA_LINE: 1},
    )


def test_empty_request_is_refused():
    """A return with no lines names ``lines``."""
    with pytest.raises(Invalid) as info:
        check_return_lines([], {CLOCK_LINE: 1})
    assert info.value.field == "lines"


def test_unknown_order_line_is_refused():
    """A line id not on the order names that request line."""
    with pytest.raises(Invalid) as info:
        check_return_lines(
            [RequestedLine(CLOCK_LINE, 1, DAMAGED), RequestedLine(999, 1, DAMAGED)],
            {CLOCK_LINE: 1},
        )
    assert info.value.field == "lines[1].order_line_id"


@pytest.mark.parametrize("quantity", [0, -2])
def test_non_positive_quantity_is_refused(quantity):
    """Zero or negative quantities name the line."""
    with pytest.raises(Invalid) as info:
        check_return_lines([RequestedLine(CLOCK_LINE, quantity, DAMAGED)], {CLOCK_LINE: 3})
    assert info.value.field == "lines[0].quantity"


def test_duplicate_lines_are_summed_before_the_limit_check():
    """Two lines of 2 against a limit of 3 fail at the second line, naming the limit."""
    with pytest.raises(Invalid) as info:
        check_return_lines(
            [RequestedLine(CLOCK_LINE, 2, DAMAGED), RequestedLine(TEA_LINE, 1, UNWANTED),
             RequestedLine(CLOCK_LINE, 2, UNWANTED)],
            {CLOCK_LINE: 3, TEA_LINE: 1},
        )
    assert info.value.field == "lines[2].quantity"
    assert info.value.extra["limit"] == 3
    assert "3" in info.value.detail


def test_nothing_left_to_return_is_refused():
    """A fully returned line has a limit of zero."""
    with pytest.raises(Invalid) as info:
        check_return_lines([RequestedLine(CLOCK_LINE, 1, DAMAGED)], {CLOCK_LINE: 0})
    assert info.value.field == "lines[0].quantity"


def test_partial_return_refunds_units_only():
    """Not everything comes back, so the fee stays even for a damaged item."""
    lines = [(2499, 1, DAMAGED)]
    assert refund_amount(lines, delivery_fee_minor=499, returns_everything=False) == 2499


def test_full_return_for_seller_fault_refunds_the_fee():
    """Everything back and one line is the seller's fault: the fee is refunded too."""
    lines = [(2499, 2, DAMAGED), (350, 1, UNWANTED)]
    assert refund_amount(lines, delivery_fee_minor=499, returns_everything=True) == 5847


def test_full_return_for_customer_reasons_keeps_the_fee():
    """Everything back but no seller fault: only the units are refunded."""
    lines = [(2499, 2, UNWANTED), (350, 1, ReturnReason.OTHER)]
    assert refund_amount(lines, delivery_fee_minor=499, returns_everything=True) == 5348


def test_exchange_subtracts_the_replacement_value():
    """A replacement worth 2000 leaves 499 of a 2499 return to refund."""
    lines = [(2499, 1, ReturnReason.WRONG_ITEM)]
    assert refund_amount(lines, delivery_fee_minor=499, returns_everything=False,
                         replacement_value_minor=2000) == 499


def test_exchange_may_use_the_refunded_fee():
    """An even swap of everything returned plus the fee refunds nothing."""
    lines = [(2499, 1, DAMAGED)]
    assert refund_amount(lines, delivery_fee_minor=499, returns_everything=True,
                         replacement_value_minor=2998) == 0


def test_replacement_worth_more_than_the_return_is_refused():
    """Exchanges may not cost more than what comes back."""
    with pytest.raises(Invalid) as info:
        refund_amount([(2499, 1, UNWANTED)], delivery_fee_minor=499, returns_everything=True,
                      replacement_value_minor=2500)
    assert info.value.field == "replacement_lines"


@pytest.mark.parametrize("lines, fee, replacement", [
    ([(24.99, 1, DAMAGED)], 499, 0),
    ([(2499, 1.0, DAMAGED)], 499, 0),
    ([(2499, 1, DAMAGED)], 4.99, 0),
    ([(2499, 1, DAMAGED)], 499, 10.0),
    ([(2499, True, DAMAGED)], 499, 0),
])
def test_refund_refuses_floats_and_bools(lines, fee, replacement):
    """Money and quantities must be plain ints; floats and bools raise TypeError."""
    with pytest.raises(TypeError):
        refund_amount(lines, delivery_fee_minor=fee, returns_everything=True,
                      replacement_value_minor=replacement)
