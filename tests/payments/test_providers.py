"""Unit tests for the cash-on-delivery and sandbox card providers."""

from __future__ import annotations

import pytest

from dispatch.errors import Invalid
from dispatch.payments.domain import Money, PaymentMethod
from dispatch.payments.providers import (
    CARD_TOKEN_PATTERN,
    TEST_CARD_TOKENS,
    CashOnDelivery,
    PaymentProvider,
    ProviderResult,
    SandboxCardGateway,
    provider_for,
)

EUR10 = Money(1000, "EUR")


def test_provider_for():
    """Cash maps to CashOnDelivery, card to the sandbox gateway; both fit the protocol."""
    cash = provider_for(PaymentMethod.CASH_ON_DELIVERY)
    card = provider_for(PaymentMethod.CARD)
    assert isinstance(cash, CashOnDelivery) and cash.name == "cash_on_delivery"
    assert isinstance(card, SandboxCardGateway) and card.name == "sandbox_card"
    assert isinstance(cash, PaymentProvider) and isinstance(card, PaymentProvider)


def test_cash_authorise_reference():
    """Cash authorisation approves with cod_ plus 16 hex of sha256(key)."""
    result = CashOnDelivery().authorise(EUR10, token=None, idempotency_key="order-1")
    assert result == ProviderResult(True, "cod_0bafe22156d2698c", None)


def test_cash_refuses_card_token():
    """A card token with cash on delivery is refused."""
    with pytest.raises(Invalid) as exc:
        CashOnDelivery().authorise(EUR10, token="tok_visa", idempotency_key="order-1")
    assert exc.value.field == "payment.card_token"


def test_cash_follow_ups_approve_deterministically():
    """Cash capture, void and refund approve with references from the key."""
    cod = CashOnDelivery()
    assert cod.capture("cod_x", EUR10, idempotency_key="order-1") == ProviderResult(
        True, "cod_bc3f0f2707fdb59a"
    )
    assert cod.void("cod_x", idempotency_key="order-1") == ProviderResult(
        True, "cod_3188f4364a7f6ee7"
    )
    assert cod.refund("cod_x", EUR10, idempotency_key="order-1") == ProviderResult(
        True, "cod_ebc8b562363465c3"
    )


@pytest.mark.parametrize(
    ("token", "approved", "code"),
    [
        ("tok_visa", True, None),
        ("tok_mastercard", True, None),
        ("tok_amex", True, None),
        ("tok_chargeDeclined", False, "card_declined"),
        ("tok_chargeDeclinedInsufficientFunds", False, "insufficient_funds"),
        ("tok_chargeDeclinedExpiredCard", False, "expired_card"),
        ("tok_somethingElse_42", False, "unknown_token"),
        ("tok_visa_alice1", True, None),  # a test card of its own
        ("tok_amex_b", True, None),
        ("tok_chargeDeclined_x", False, "unknown_token"),
    ],
)
def test_sandbox_tokens(token, approved, code):
    """Each test token gives its documented answer; unknown well-formed ones decline."""
    result = SandboxCardGateway().authorise(EUR10, token=token, idempotency_key="order-1")
    assert result == ProviderResult(approved, "sbx_82f3d6b087f6f314", code)


def test_test_tokens_table():
    """The exported table lists exactly the six sandbox tokens."""
    assert dict(TEST_CARD_TOKENS) == {
        "tok_visa": None,
        "tok_mastercard": None,
        "tok_amex": None,
        "tok_chargeDeclined": "card_declined",
        "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
        "tok_chargeDeclinedExpiredCard": "expired_card",
    }


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "4242424242424242",
        "4242 4242 4242 4242",
        "tok_",
        "tok_visa\n",
        "tok-visa",
        "tok_" + "a" * 65,
    ],
)
def test_sandbox_refuses_non_tokens(token):
    """Missing or malformed tokens, such as card numbers, are refused without echoing them."""
    with pytest.raises(Invalid) as exc:
        SandboxCardGateway().authorise(EUR10, token=token, idempotency_key="order-1")
    assert exc.value.field == "payment.card_token"
    assert "never card numbers" in exc.value.detail
    if token and token[0].isdigit():
        assert token not in exc.value.detail


def test_token_pattern_limits():
    """The pattern accepts 1 to 64 characters after tok_."""
    assert CARD_TOKEN_PATTERN.fullmatch("tok_" + "a" * 64)
    assert CARD_TOKEN_PATTERN.fullmatch("tok_a")
    assert not CARD_TOKEN_PATTERN.fullmatch("tok_" + "a" * 65)


def test_sandbox_is_deterministic():
    """Same inputs give the same result; a different key gives a different reference."""
    gw = SandboxCardGateway()
    first = gw.authorise(EUR10, token="tok_visa", idempotency_key="order-1")
    again = SandboxCardGateway().authorise(EUR10, token="tok_visa", idempotency_key="order-1")
    other = gw.authorise(EUR10, token="tok_visa", idempotency_key="order-2")
    assert first == again
    assert other.reference != first.reference


def test_sandbox_follow_ups():
    """Capture, void and refund approve sandbox references with kind-specific references."""
    gw = SandboxCardGateway()
    ref = "sbx_82f3d6b087f6f314"
    assert gw.capture(ref, EUR10, idempotency_key="cap-1") == ProviderResult(
        True, "sbx_2b897ca7299ab029"
    )
    assert gw.void(ref, idempotency_key="void-1") == ProviderResult(True, "sbx_f40c4b5c66353214")
    assert gw.refund(ref, EUR10, idempotency_key="ref-1") == ProviderResult(
        True, "sbx_e9209c9047305578"
    )


def test_sandbox_follow_ups_decline_foreign_reference():
    """A reference the sandbox did not issue is declined as unknown_reference."""
    gw = SandboxCardGateway()
    for result in (
        gw.capture("cod_0bafe22156d2698c", EUR10, idempotency_key="cap-1"),
        gw.void("ch_123", idempotency_key="void-1"),
        gw.refund("", EUR10, idempotency_key="ref-1"),
    ):
        assert not result.approved
        assert result.decline_code == "unknown_reference"


def test_idempotency_key_required():
    """An empty idempotency key is refused."""
    with pytest.raises(Invalid) as exc:
        SandboxCardGateway().authorise(EUR10, token="tok_visa", idempotency_key="")
    assert exc.value.field == "idempotency_key"
