"""The day's orders, drawn from a scenario and a seed: the same seed gives the same day.

Arrivals follow a non-homogeneous Poisson process over the piecewise-constant rate (per
piece a Poisson count, then uniform times). Customers come from a fixed pool with a home
each, so repeat customers order again to the same address. Which depot serves an order is
the service's decision (nearest one stocking the basket), so an arrival carries only where
the customer is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from dispatch.payments.domain import PaymentMethod
from dispatch.scenarios.geography import sample_places
from dispatch.scenarios.schema import Scenario
from dispatch.scenarios.streams import streams

CARD_OK, CARD_DECLINED = "tok_visa", "tok_chargeDeclined"
"""Sandbox gateway tokens (``payments.providers``): authorised, and declined."""

_FIRST = ("Léa", "Hugo", "Jade", "Louis", "Emma", "Gabriel", "Alice", "Raphaël", "Chloé",
          "Arthur", "Inès", "Jules", "Lina", "Adam", "Mia", "Noah", "Rose", "Matteo", "Giulia",
          "Lorenzo", "Sofia", "Pierre", "Camille", "Nicolas", "Manon", "Antoine", "Elena",
          "Marco", "Clara", "Théo")
_LAST = ("Rossi", "Martin", "Bernard", "Giordano", "Dubois", "Ferrari", "Lefèvre", "Moreau",
         "Bianchi", "Laurent", "Rey", "Fontana", "Girard", "Costa", "Roux", "Marchetti",
         "Fournier", "Blanc", "Gallo", "Mercier", "Boisson", "Notari", "Pastor", "Médecin")


@dataclass(frozen=True)
class Customer:
    """Who orders: the same person (and id) shows up again when they order again."""

    id: str
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class OrderArrival:
    """One order as the customer places it; ``ref`` is stable per seed (an idempotency key)."""

    ref: str
    placed_at: datetime
    customer: Customer
    lat: float
    lon: float
    zone: str | None
    lines: tuple[tuple[str, int], ...]
    window_start: datetime
    window_end: datetime
    payment_method: str
    card_token: str | None


def generate_orders(scenario: Scenario, *, seed: int, day_start: datetime) -> list[OrderArrival]:
    """The orders of one day in arrival order; clock times count from ``day_start``
    (aware; ``scenario.day_start(date)`` gives local midnight)."""
    if day_start.tzinfo is None or day_start.utcoffset() is None:
        raise ValueError("day_start must be timezone-aware")
    arrivals, homes, people, picks, baskets, windows, payments = streams(
        seed, "arrivals", "homes", "customers", "picks", "baskets", "windows", "payments")
    demand = scenario.demand
    pool = demand.customer_pool
    customers = _customers(people, pool)
    lats, lons, zones = sample_places(demand, homes, pool)
    seconds = _arrival_seconds(scenario, arrivals)
    who = picks.integers(pool, size=len(seconds))
    pay_draws = payments.random((len(seconds), 2))
    codes, weights = _popularity(scenario)
    orders = []
    for i, second in enumerate(seconds):
        slots = demand.windows.slots(second / 60)
        start = slots[int(windows.integers(len(slots)))]
        method, token = _payment(scenario, pay_draws[i])
        c = int(who[i])
        orders.append(OrderArrival(
            ref=f"order-{i + 1:04d}", placed_at=day_start + timedelta(seconds=int(second)),
            customer=customers[c], lat=round(float(lats[c]), 6), lon=round(float(lons[c]), 6),
            zone=zones[c], lines=_basket(scenario, baskets, codes, weights),
            window_start=day_start + timedelta(minutes=start),
            window_end=day_start + timedelta(minutes=start + demand.windows.width_minutes),
            payment_method=method, card_token=token))
    return orders


def _arrival_seconds(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Whole seconds after day start, sorted: a Poisson count per rate piece, uniform inside."""
    parts = []
    for piece in scenario.demand.rate:
        count = rng.poisson(piece.expected) if piece.per_hour > 0 else 0
        parts.append(rng.uniform(piece.start * 60, piece.end * 60, count))
    # The end of a piece is open: rounding must not push an order past it.
    seconds = np.floor(np.concatenate(parts)).astype(np.int64)
    return np.sort(seconds, kind="stable")


def _popularity(scenario: Scenario) -> tuple[list[str], np.ndarray]:
    codes = [sku.code for sku in scenario.catalogue.skus]
    popularity = scenario.demand.basket.popularity
    weights = np.array([popularity.get(code, 1.0) for code in codes], dtype=float)
    return codes, weights / weights.sum()


def _basket(scenario: Scenario, rng: np.random.Generator, codes: list[str],
            weights: np.ndarray) -> tuple[tuple[str, int], ...]:
    basket = scenario.demand.basket
    n = int(rng.integers(basket.lines.min, basket.lines.max + 1))
    chosen = rng.choice(len(codes), size=n, replace=False, p=weights)
    quantities = rng.integers(basket.quantity.min, basket.quantity.max + 1, size=n)
    return tuple((codes[int(k)], int(q)) for k, q in zip(chosen, quantities, strict=True))


def _payment(scenario: Scenario, draws: np.ndarray) -> tuple[str, str | None]:
    payment = scenario.demand.payment
    if draws[0] >= payment.card:
        return PaymentMethod.CASH_ON_DELIVERY.value, None
    return PaymentMethod.CARD.value, CARD_DECLINED if draws[1] < payment.declined else CARD_OK


def _customers(rng: np.random.Generator, count: int) -> list[Customer]:
    firsts = rng.integers(len(_FIRST), size=count)
    lasts = rng.integers(len(_LAST), size=count)
    digits = rng.integers(0, 100, size=(count, 4))
    people = []
    for i in range(count):
        first, last = _FIRST[firsts[i]], _LAST[lasts[i]]
        phone = "+377 6 " + " ".join(f"{d:02d}" for d in digits[i])
        email = f"{_ascii(first)}.{_ascii(last)}.{i + 1}@example.mc"
        people.append(Customer(id=f"cust-{i + 1:04d}", name=f"{first} {last}", email=email,
                               phone=phone))
    return people


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
