"""Payment rules: money in minor units, the payment state machine and refund/capture limits.

Amounts are integers in minor units (cents) so sums never drift the way floats do, and a
``Money`` refuses to be added to another currency. The transition table is the one source
of truth for which payment states may follow which, and the capture/refund checks stop a
payment from taking or giving back more than was authorised or captured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from dispatch.common.checks import require_int
from dispatch.errors import Conflict, IllegalTransition, Invalid


@dataclass(frozen=True)
class Money:
    """An amount in minor units of an ISO 4217 currency; shown with two decimals."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        require_int(self.amount_minor, "amount_minor")
        c = self.currency
        if not (isinstance(c, str) and len(c) == 3 and c.isascii() and c.isalpha() and c.isupper()):
            raise Invalid(
                f"currency must be three uppercase letters (ISO 4217), got {c!r}",
                field="currency",
            )

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise Invalid(f"cannot combine {self.currency} with {other.currency}", field="currency")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __str__(self) -> str:
        sign = "-" if self.amount_minor < 0 else ""
        major, minor = divmod(abs(self.amount_minor), 100)
        return f"{sign}{major}.{minor:02d} {self.currency}"


class PaymentMethod(StrEnum):
    """How the customer pays."""

    CASH_ON_DELIVERY = "cash_on_delivery"
    CARD = "card"


class PaymentStatus(StrEnum):
    """Where a payment stands with its provider."""

    PENDING = "pending"
    AUTHORISED = "authorised"
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = MappingProxyType(
    {
        PaymentStatus.PENDING: frozenset({PaymentStatus.AUTHORISED, PaymentStatus.DECLINED}),
        PaymentStatus.AUTHORISED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.VOIDED}),
        PaymentStatus.CAPTURED: frozenset(
            {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
        ),
        PaymentStatus.PARTIALLY_REFUNDED: frozenset(
            {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
        ),
        PaymentStatus.DECLINED: frozenset(),
        PaymentStatus.VOIDED: frozenset(),
        PaymentStatus.REFUNDED: frozenset(),
    }
)
"""Allowed next states per state; an empty set marks a terminal state."""


def check_payment_transition(current: PaymentStatus, target: PaymentStatus) -> None:
    """Raise ``IllegalTransition`` unless ``current`` may move to ``target``."""
    if target not in PAYMENT_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition("payment", str(current), str(target))


def refund_status(captured_minor: int, refunded_minor: int) -> PaymentStatus:
    """Status after refunds totalling ``refunded_minor`` out of ``captured_minor``."""
    require_int(captured_minor, "captured_minor")
    require_int(refunded_minor, "refunded_minor")
    if not 0 < refunded_minor <= captured_minor:
        raise ValueError(
            f"refunded total {refunded_minor} must be in 1..{captured_minor} (captured)"
        )
    if refunded_minor == captured_minor:
        return PaymentStatus.REFUNDED
    return PaymentStatus.PARTIALLY_REFUNDED


def check_refund(amount_minor: int, *, captured_minor: int, refunded_minor: int) -> None:
    """Refuse a refund that is not positive or exceeds what is left of the captured amount."""
    require_int(amount_minor, "amount_minor")
    require_int(captured_minor, "captured_minor")
    require_int(refunded_minor, "refunded_minor")
    if amount_minor <= 0:
        raise Invalid(f"a refund must be positive, got {amount_minor}", field="amount_minor")
    remaining = captured_minor - refunded_minor
    if amount_minor > remaining:
        raise Conflict(
            f"refund of {amount_minor} exceeds the refundable remainder of {remaining} "
            f"({captured_minor} captured, {refunded_minor} already refunded)",
            field="amount_minor",
            refundable_minor=remaining,
        )


def check_capture(amount_minor: int, *, authorised_minor: int) -> None:
    """Refuse a capture that is not positive or exceeds the authorised amount."""
    require_int(amount_minor, "amount_minor")
    require_int(authorised_minor, "authorised_minor")
    if not 0 < amount_minor <= authorised_minor:
        raise Invalid(
            f"capture must be between 1 and the authorised {authorised_minor}, got {amount_minor}",
            field="amount_minor",
        )
