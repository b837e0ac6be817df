"""The facts screened at order placement and the rules that read them.

Fraud shows in how the identifiers behind an order are used: many orders on one card,
phone or address within minutes, payments declined shortly before, a basket far above
what the customer usually buys, delivery far from the billing address of a card not yet
seen in use, or far from everywhere the customer has had orders delivered. So every rule
compares the order being placed with the earlier orders that share its customer, phone,
address or card; a history holding only those orders gives the same answer as the whole
order book. Each rule that fires is a :class:`Reason` with its weight in the score
(:mod:`dispatch.fraud.scoring`) and a sentence with the numbers, so whoever releases a
held order can see why it was held.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import numpy as np

from dispatch.common.geo import haversine_km

VELOCITY_CUSTOMER, VELOCITY_PHONE, VELOCITY_ADDRESS, VELOCITY_CARD = (
    "velocity_customer", "velocity_phone", "velocity_address", "velocity_card")
VALUE_ABOVE_HISTORY, FAR_FROM_BILLING, FAR_FROM_USUAL_ADDRESSES = (
    "value_above_history", "far_from_billing", "far_from_usual_addresses")
RECENT_DECLINES, NEW_CUSTOMER_LARGE_BASKET, ANOMALY = (
    "recent_declines", "new_customer_large_basket", "anomaly")
REASON_CODES = (VELOCITY_CUSTOMER, VELOCITY_PHONE, VELOCITY_ADDRESS, VELOCITY_CARD,
                VALUE_ABOVE_HISTORY, FAR_FROM_BILLING, FAR_FROM_USUAL_ADDRESSES,
                RECENT_DECLINES, NEW_CUSTOMER_LARGE_BASKET, ANOMALY)

FEATURE_NAMES = ("log_total", "units", "velocity_customer", "velocity_phone",
                 "velocity_address", "velocity_card", "value_ratio", "km_from_usual",
                 "km_from_billing", "recent_declines", "new_customer", "hour_sin", "hour_cos")
"""Columns of :func:`features`, in order (the anomaly model is fitted on these)."""

_VELOCITY_WORDS = {VELOCITY_CUSTOMER: "by this customer", VELOCITY_PHONE: "from this phone",
                   VELOCITY_ADDRESS: "to this address", VELOCITY_CARD: "on this card"}


@dataclass(frozen=True)
class PastOrder:
    """An order placed before the one screened, and how it ended. ``address_key`` is the
    normalised delivery address (e.g. rounded coordinates), so one door is one key."""

    at: datetime
    customer_id: int | None
    phone: str | None
    address_key: str
    card_token: str | None
    total_minor: int
    lat: float
    lon: float
    declined: bool
    delivered: bool


@dataclass(frozen=True)
class Placement:
    """The order being screened. ``customer_id`` is None for someone never seen before;
    ``billing_lat``/``billing_lon`` locate the card's billing address when the payment
    provider gives one."""

    at: datetime
    customer_id: int | None
    phone: str | None
    address_key: str
    card_token: str | None
    total_minor: int
    units: int
    lat: float
    lon: float
    billing_lat: float | None = None
    billing_lon: float | None = None


@dataclass(frozen=True)
class ReasonWeights:
    """What each rule adds to the score (0..1) when it fires. One rule at 0.6 or more holds
    an order by itself at the default threshold; the others hold only together. Velocity
    and declines escalate: each order beyond the limit is more evidence, so k beyond it
    weigh 1 - (1 - w)^k. A card is the strongest velocity key (few honest people use one
    card four times an hour); a customer, phone or address less so (a forgotten item, a
    household, an office ordering lunch). One decline alone is weak: people mistype."""

    velocity_customer: float = 0.3
    velocity_phone: float = 0.35
    velocity_address: float = 0.35
    velocity_card: float = 0.6
    value_above_history: float = 0.4
    far_from_billing: float = 0.4
    far_from_usual_addresses: float = 0.35
    recent_declines: float = 0.35
    new_customer_large_basket: float = 0.4

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not 0 <= value <= 1:
                raise ValueError(f"weights.{field.name} must be in [0, 1], got {value}")


@dataclass(frozen=True)
class ScreeningPolicy:
    """The limits the rules apply and how the score turns into a hold.

    The customer's value and address history is judged only from ``min_history``
    delivered orders: a median of one or two orders says little. The billing distance is
    judged only on a card with fewer than ``min_history`` delivered orders: once a card
    has been used a few times, where its bill goes is known (a card billed to the
    parents' town) and where the customer takes deliveries is the better question;
    judging both would count one move twice. The anomaly score is a rank among past
    orders, so some of them always sit above any level; below ``anomaly_level`` it counts
    as ordinary.
    """

    velocity_window: timedelta = timedelta(hours=1)
    velocity_limit: int = 3                 # orders allowed per key in it, this one included
    value_ratio: float = 4.0                # total above this × the customer's median
    min_history: int = 3                    # delivered orders before value/distance judged
    far_km: float = 20.0                    # from billing, or from every usual address
    decline_window: timedelta = timedelta(hours=24)
    decline_limit: int = 1                  # declines by customer/card/phone in the window
    new_customer_total_minor: int = 15_000  # a first order this big (minor units)
    anomaly_weight: float = 0.5             # weight = this × anomaly score ...
    anomaly_level: float = 0.95             # ... counted from this score up
    hold_threshold: float = 0.6             # score that holds the order for review
    weights: ReasonWeights = ReasonWeights()

    def __post_init__(self) -> None:
        for name in ("velocity_window", "decline_window"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("velocity_limit", "min_history", "decline_limit",
                     "new_customer_total_minor"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not (math.isfinite(self.value_ratio) and self.value_ratio > 1):
            raise ValueError(f"value_ratio must be a finite number > 1, got {self.value_ratio}")
        if not (math.isfinite(self.far_km) and self.far_km > 0):
            raise ValueError(f"far_km must be a finite number > 0, got {self.far_km}")
        if not 0 <= self.anomaly_weight <= 1:
            raise ValueError(f"anomaly_weight must be in [0, 1], got {self.anomaly_weight}")
        if not 0 <= self.anomaly_level < 1:
            raise ValueError(f"anomaly_level must be in [0, 1), got {self.anomaly_level}")
        if not 0 < self.hold_threshold <= 1:
            raise ValueError(f"hold_threshold must be in (0, 1], got {self.hold_threshold}")


@dataclass(frozen=True)
class Reason:
    """One rule that fired: ``code`` from :data:`REASON_CODES`, ``weight`` its share of the
    score, ``detail`` a sentence with the figures."""

    code: str
    weight: float
    detail: str


@dataclass(frozen=True)
class _Facts:
    """What the history says about one placement; both the rules and the features read it.
    Velocity counts include the placement and are 0 when it lacks that identifier."""

    velocity: dict[str, int]
    declines: int
    card_delivered: int       # delivered orders on the placement's card, anyone's
    delivered: int            # the customer's delivered orders in the history
    median_total: float | None
    usual_addresses: int
    km_from_usual: float | None
    km_from_billing: float | None


def _facts(placement: Placement, history: Sequence[PastOrder],
           policy: ScreeningPolicy) -> _Facts:
    p = placement
    keys = {VELOCITY_CUSTOMER: p.customer_id, VELOCITY_PHONE: p.phone,
            VELOCITY_ADDRESS: p.address_key, VELOCITY_CARD: p.card_token}
    velocity = {code: int(key is not None) for code, key in keys.items()}
    velocity_since, declines_since = p.at - policy.velocity_window, p.at - policy.decline_window
    declines, card_delivered, own = 0, 0, []
    for order in history:
        if order.at > p.at:
            continue
        customer = p.customer_id is not None and order.customer_id == p.customer_id
        phone = p.phone is not None and order.phone == p.phone
        card = p.card_token is not None and order.card_token == p.card_token
        if order.at >= velocity_since:
            for code, same in ((VELOCITY_CUSTOMER, customer), (VELOCITY_PHONE, phone),
                               (VELOCITY_ADDRESS, order.address_key == p.address_key),
                               (VELOCITY_CARD, card)):
                velocity[code] += same
        if order.declined and order.at >= declines_since and (customer or phone or card):
            declines += 1
        card_delivered += card and order.delivered
        if customer and order.delivered:
            own.append(order)
    places = {(o.lat, o.lon) for o in own}
    km_usual = min((haversine_km(p.lat, p.lon, lat, lon) for lat, lon in places), default=None)
    km_billing = (None if p.billing_lat is None or p.billing_lon is None
                  else haversine_km(p.lat, p.lon, p.billing_lat, p.billing_lon))
    median = statistics.median(o.total_minor for o in own) if own else None
    return _Facts(velocity, declines, card_delivered, len(own), median, len(places), km_usual,
                  km_billing)


def signals(placement: Placement, history: Sequence[PastOrder],
            policy: ScreeningPolicy | None = None) -> list[Reason]:
    """The rule reasons for ``placement`` given the orders before it (any order in
    ``history`` later than the placement is ignored)."""
    policy = policy or ScreeningPolicy()
    facts, w, p = _facts(placement, history, policy), policy.weights, placement
    reasons: list[Reason] = []
    minutes = round(policy.velocity_window.total_seconds() / 60)
    for code, count in facts.velocity.items():
        if count > policy.velocity_limit:
            weight = _escalate(getattr(w, code), count - policy.velocity_limit)
            reasons.append(Reason(code, weight, f"{count} orders {_VELOCITY_WORDS[code]} in the "
                                  f"last {minutes} min (limit {policy.velocity_limit})"))
    if facts.declines >= policy.decline_limit:
        hours = policy.decline_window.total_seconds() / 3600
        beyond = facts.declines - policy.decline_limit + 1
        reasons.append(Reason(
            RECENT_DECLINES, _escalate(w.recent_declines, beyond),
            f"{facts.declines} declined payment(s) by this customer, card or phone in the last "
            f"{hours:g} h (limit {policy.decline_limit})"))
    enough = facts.delivered >= policy.min_history
    if enough and facts.median_total:
        ratio = p.total_minor / facts.median_total
        if ratio > policy.value_ratio:
            reasons.append(Reason(
                VALUE_ABOVE_HISTORY, w.value_above_history,
                f"total {_money(p.total_minor)} is {ratio:.1f}x the customer's median "
                f"{_money(facts.median_total)} over {facts.delivered} orders "
                f"(limit {policy.value_ratio:g}x)"))
    billing_km = facts.km_from_billing if facts.card_delivered < policy.min_history else None
    if billing_km is not None and billing_km > policy.far_km:
        reasons.append(Reason(FAR_FROM_BILLING, w.far_from_billing,
                              f"delivery {billing_km:.0f} km from the billing address "
                              f"(limit {policy.far_km:g} km)"))
    if enough and facts.km_from_usual is not None and facts.km_from_usual > policy.far_km:
        reasons.append(Reason(
            FAR_FROM_USUAL_ADDRESSES, w.far_from_usual_addresses,
            f"delivery {facts.km_from_usual:.0f} km from the nearest of the customer's "
            f"{facts.usual_addresses} usual address(es) (limit {policy.far_km:g} km)"))
    if p.customer_id is None and p.total_minor >= policy.new_customer_total_minor:
        reasons.append(Reason(NEW_CUSTOMER_LARGE_BASKET, w.new_customer_large_basket,
                              f"new customer with a basket of {_money(p.total_minor)} "
                              f"(limit {_money(policy.new_customer_total_minor)})"))
    return reasons


def features(placement: Placement, history: Sequence[PastOrder],
             policy: ScreeningPolicy | None = None) -> np.ndarray:
    """The placement as a row of :data:`FEATURE_NAMES` for the anomaly model. Neutral
    values stand in where there is nothing to compare with: a value ratio of 1 and 0 km
    without delivered history, 0 km without a billing address. The hour (of ``at``, UTC
    unless given otherwise) goes round the clock as sine and cosine, so 23:00 is near 00:00.
    """
    policy = policy or ScreeningPolicy()
    facts, p = _facts(placement, history, policy), placement
    hour = p.at.hour + p.at.minute / 60
    angle = 2 * math.pi * hour / 24
    ratio = p.total_minor / facts.median_total if facts.median_total else 1.0
    v = facts.velocity
    return np.array([
        math.log1p(max(p.total_minor, 0)), p.units,
        v[VELOCITY_CUSTOMER], v[VELOCITY_PHONE], v[VELOCITY_ADDRESS], v[VELOCITY_CARD],
        ratio, facts.km_from_usual or 0.0, facts.km_from_billing or 0.0, facts.declines,
        float(p.customer_id is None), math.sin(angle), math.cos(angle)], dtype=float)


def _escalate(weight: float, times: int) -> float:
    """``times`` independent pieces of the same evidence, combined by noisy-OR."""
    return 1 - (1 - weight) ** times


def _money(minor: float) -> str:
    return f"{minor / 100:.2f}"
