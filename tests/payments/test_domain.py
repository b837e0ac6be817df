"""Unit tests for money, the payment state machine and capture/refund limits."""

from __future__ import annotations

import pytest

from dispatch.errors import Conflict, IllegalTransition, Invalid
from dispatch.payments.domain import (
    PAYMENT_TRANSITIONS,
    Money,
    PaymentMethod,
    PaymentStatus,
    check_capture,
    check_payment_transition,
    check_refund,
    refund_status,
)

S = PaymentStatus


def test_money_add_and_sub():
    """Same-currency amounts add and subtract in minor units."""
    assert Money(1250, "EUR") + Money(75, "EUR") == Money(1325, "EUR")
    assert Money(1250, "EUR") - Money(1300, "EUR") == Money(-50, "EUR")


def test_money_refuses_mixed_currency():
    """Adding or subtracting different currencies is refused on the currency field."""
    with pytest.raises(Invalid) as exc:
        Money(100, "EUR") + Money(100, "USD")
    assert exc.value.field == "currency"
    with pytest.raises(Invalid):
        Money(100, "EUR") - Money(100, "GBP")


def test_money_add_non_money_is_type_error():
    """Adding a plain number is not supported."""
    with pytest.raises(TypeError):
        Money(100, "EUR") + 1  # type: ignore[operator]


@pytest.mark.parametrize("amount", [12.5, True, "100"])
def test_money_refuses_non_int_amount(amount):
    """Amounts must be int minor units."""
    with pytest.raises(TypeError):
        Money(amount, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "E1R", "ÉUR", ""])
def test_money_refuses_bad_currency(currency):
    """Currencies are three uppercase ASCII letters."""
    with pytest.raises(Invalid) as exc:
        Money(100, currency)
    assert exc.value.field == "currency"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1250, "12.50 EUR"),
        (5, "0.05 EUR"),
        (0, "0.00 EUR"),
        (-5, "-0.05 EUR"),
        (-1250, "-12.50 EUR"),
        (123456789, "1234567.89 EUR"),
    ],
)
def test_money_str(amount, text):
    """str shows two decimals, with the sign in front of negatives."""
    assert str(Money(amount, "EUR")) == text


def test_method_values():
    """Payment methods serialise to the documented strings."""
    assert [m.value for m in PaymentMethod] == ["cash_on_delivery", "card"]


ALLOWED = {
    (S.PENDING, S.AUTHORISED),
    (S.PENDING, S.DECLINED),
    (S.AUTHORISED, S.CAPTURED),
    (S.AUTHORISED, S.VOIDED),
    (S.CAPTURED, S.PARTIALLY_REFUNDED),
    (S.CAPTURED, S.REFUNDED),
    (S.PARTIALLY_REFUNDED, S.PARTIALLY_REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_payment_transition_table(current, target):
    """Exactly the listed moves are allowed; all others raise IllegalTransition."""
    if (current, target) in ALLOWED:
        check_payment_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as exc:
            check_payment_transition(current, target)
        assert exc.value.extra == {"current": current.value, "target": target.value}
        assert exc.value.detail.startswith("payment cannot go from")


def test_terminal_states():
    """Declined, voided and refunded have no way out."""
    assert {s for s, nxt in PAYMENT_TRANSITIONS.items() if not nxt} == {
        S.DECLINED,
        S.VOIDED,
        S.REFUNDED,
    }


def test_refund_status():
    """A full refund is refunded; less is partially refunded."""
    assert refund_status(1000, 1000) is S.REFUNDED
    assert refund_status(1000, 400) is S.PARTIALLY_REFUNDED


def test_refund_status_refuses_impossible_totals():
    """A refunded total of zero or above the capture is a programming error."""
    with pytest.raises(ValueError):
        refund_status(1000, 0)
    with pytest.raises(ValueError):
        refund_status(1000, 1001)


def test_check_refund_accepts_up_to_remainder():
    """A refund up to captured minus already refunded passes."""
    check_refund(600, captured_minor=1000, refunded_minor=400)
    check_refund(1, captured_minor=1000, refunded_minor=0)


@pytest.mark.parametrize("amount", [0, -100])
def test_check_refund_refuses_non_positive(amount):
    """A refund must be positive."""
    with pytest.raises(Invalid) as exc:
        check_refund(amount, captured_minor=1000, refunded_minor=0)
    assert exc.value.field == "amount_minor"


def test_check_refund_refuses_over_remainder():
    """Refunding more than remains is a conflict naming the remainder."""
    with pytest.raises(Conflict) as exc:
        check_refund(601, captured_minor=1000, refunded_minor=400)
    assert exc.value.field == "amount_minor"
    assert "600" in exc.value.detail
    assert exc.value.extra == {"refundable_minor": 600}


def test_check_capture():
    """Captures between 1 and the authorised amount pass; others are invalid."""
    check_capture(1000, authorised_minor=1000)
    check_capture(1, authorised_minor=1000)
    for bad in (0, -1, 1001):
        with pytest.raises(Invalid) as exc:
            check_capture(bad, authorised_minor=1000)
        assert exc.value.field == "amount_minor"
