"""Payment providers: the interface a gateway implements, plus cash and a sandbox card gateway.

The service layer only talks to ``PaymentProvider``. Two implementations ship here:
``CashOnDelivery`` (nothing to charge up front; the driver collects) and
``SandboxCardGateway``, a deterministic TEST gateway that answers fixed test tokens the way
a real card gateway would, so flows and declines can be exercised without network or keys.

A real gateway plugs in at ``provider_for``: implement ``PaymentProvider`` around its SDK
(passing the idempotency key through) and return it for ``PaymentMethod.CARD``. Card
numbers never reach this code; the browser exchanges them with the gateway for a token.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from dispatch.errors import Invalid
from dispatch.payments.domain import Money, PaymentMethod


@dataclass(frozen=True)
class ProviderResult:
    """A provider's answer: approved or not, its reference, and why it declined."""

    approved: bool
    reference: str
    decline_code: str | None = None


@runtime_checkable
class PaymentProvider(Protocol):
    """What a payment gateway must offer.

    Every call is idempotent per ``idempotency_key``: repeating it with the same key returns
    the same result and moves no money twice. Card numbers are never passed, only provider
    tokens obtained by the client from the gateway.
    """

    name: str

    def authorise(
        self, amount: Money, *, token: str | None, idempotency_key: str
    ) -> ProviderResult:
        """Reserve ``amount`` on the customer's payment instrument."""
        ...

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Take up to the authorised amount of authorisation ``reference``."""
        ...

    def void(self, reference: str, *, idempotency_key: str) -> ProviderResult:
        """Release authorisation ``reference`` without taking money."""
        ...

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Give back ``amount`` of captured payment ``reference``."""
        ...


def _digest(text: str) -> str:
    """First 16 hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _require_key(idempotency_key: str) -> None:
    if not isinstance(idempotency_key, str) or not idempotency_key:
        raise Invalid("an idempotency key is required", field="idempotency_key")


class CashOnDelivery:
    """Cash collected by the driver: every step is approved, with references from the key."""

    name = "cash_on_delivery"

    def authorise(
        self, amount: Money, *, token: str | None, idempotency_key: str
    ) -> ProviderResult:
        """Approve; a card token makes no sense for cash and is refused."""
        if token is not None:
            raise Invalid("cash on delivery takes no card token", field="payment.card_token")
        _require_key(idempotency_key)
        return ProviderResult(True, "cod_" + _digest(idempotency_key))

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Approve (the cash was collected on delivery)."""
        _require_key(idempotency_key)
        return ProviderResult(True, "cod_" + _digest("capture" + idempotency_key))

    def void(self, reference: str, *, idempotency_key: str) -> ProviderResult:
        """Approve (nothing was held)."""
        _require_key(idempotency_key)
        return ProviderResult(True, "cod_" + _digest("void" + idempotency_key))

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Approve (the refund is paid out by hand)."""
        _require_key(idempotency_key)
        return ProviderResult(True, "cod_" + _digest("refund" + idempotency_key))


CARD_TOKEN_PATTERN = re.compile(r"^tok_[A-Za-z0-9_]{1,64}$")
"""Shape of a provider token; matched in full. Anything else (a card number) is refused."""

TEST_CARD_TOKENS: Mapping[str, str | None] = MappingProxyType(
    {
        "tok_visa": None,
        "tok_mastercard": None,
        "tok_amex": None,
        "tok_chargeDeclined": "card_declined",
        "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
        "tok_chargeDeclinedExpiredCard": "expired_card",
    }
)
"""Sandbox test tokens and the decline code each produces (``None`` approves). Every
test customer shares them, so they say nothing about which card paid."""

TEST_CARD_OF_ITS_OWN = re.compile(r"^(tok_visa|tok_mastercard|tok_amex)_[A-Za-z0-9]{1,40}$")
"""``tok_visa_<id>``: a test card of its own that approves like ``tok_visa``, for tests
and demos of what tells cards apart (fraud screening's card velocity)."""


class SandboxCardGateway:
    """TEST card gateway: deterministic answers to fixed tokens; never use in production.

    Same inputs give the same outputs, which is how it honours idempotency keys.
    ``tok_visa_<id>`` (and mastercard, amex) answer as their shared token does; other
    well-formed tokens it does not know decline with ``unknown_token``.
    """

    name = "sandbox_card"

    def authorise(
        self, amount: Money, *, token: str | None, idempotency_key: str
    ) -> ProviderResult:
        """Approve or decline according to ``TEST_CARD_TOKENS``."""
        # The detail never echoes the value: it may be a card number.
        if not isinstance(token, str) or CARD_TOKEN_PATTERN.fullmatch(token) is None:
            raise Invalid(
                "only provider tokens (tok_...) are accepted, never card numbers",
                field="payment.card_token",
            )
        _require_key(idempotency_key)
        reference = "sbx_" + _digest("authorise" + idempotency_key)
        own = TEST_CARD_OF_ITS_OWN.fullmatch(token)
        token = own.group(1) if own else token
        if token not in TEST_CARD_TOKENS:
            return ProviderResult(False, reference, "unknown_token")
        code = TEST_CARD_TOKENS[token]
        return ProviderResult(code is None, reference, code)

    def _follow_up(self, kind: str, reference: str, idempotency_key: str) -> ProviderResult:
        """Approve a capture/void/refund of a sandbox reference; decline any other."""
        _require_key(idempotency_key)
        result_ref = "sbx_" + _digest(kind + idempotency_key)
        if not reference.startswith("sbx_"):
            return ProviderResult(False, result_ref, "unknown_reference")
        return ProviderResult(True, result_ref)

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Capture a sandbox authorisation."""
        return self._follow_up("capture", reference, idempotency_key)

    def void(self, reference: str, *, idempotency_key: str) -> ProviderResult:
        """Void a sandbox authorisation."""
        return self._follow_up("void", reference, idempotency_key)

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> ProviderResult:
        """Refund a sandbox capture."""
        return self._follow_up("refund", reference, idempotency_key)


def provider_for(method: PaymentMethod) -> PaymentProvider:
    """The provider for ``method``; swap the card branch for a real gateway in production."""
    method = PaymentMethod(method)
    if method is PaymentMethod.CASH_ON_DELIVERY:
        return CashOnDelivery()
    return SandboxCardGateway()
