"""A seeded stream of orders with known fraud in it, for the screening benchmark and tests.

Honest customers order every few days, mostly at lunch or in the evening, from home or
from an office many customers share, with baskets around their own usual size; now and
then one orders for a party, to a friend's across town or to family out of town, has a
payment declined and retries, or pays with a card billed in another city. Into that go
four kinds of fraud, placed as a fraudster would, at any hour:

* card testing: a burst of small guest orders on one fresh card within minutes, the first
  attempt declined and many after it;
* account takeover: a known customer's account, a basket many times their usual, delivered
  to a new address out of town, on their saved card;
* stolen card: a new customer with a big basket on a fresh card billed far away;
* address ring: many new accounts, each with its own card and phone, ordering to one
  drop address within an hour or two.

Seeded: the same seed and size give the same stream. :func:`replay` walks it in time order
with each placement's history, as the screening would see it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from dispatch.fraud.history import HistoryIndex
from dispatch.fraud.signals import PastOrder, Placement

HONEST, CARD_TESTING, ACCOUNT_TAKEOVER, STOLEN_CARD, ADDRESS_RING = (
    "honest", "card_testing", "account_takeover", "stolen_card", "address_ring")
FRAUD_KINDS = (CARD_TESTING, ACCOUNT_TAKEOVER, STOLEN_CARD, ADDRESS_RING)
START = datetime(2024, 3, 4, tzinfo=UTC)
CENTRE = (52.52, 13.405)


@dataclass(frozen=True)
class StreamShape:
    """Days covered, the city (radius, shared offices) and how much fraud, per 1,000
    orders: card-testing bursts, takeovers, stolen cards, address rings (at least one of
    each)."""

    days: int = 60
    city_km: float = 8.0
    offices: int = 25
    card_testing: float = 2.0
    takeovers: float = 4.0
    stolen_cards: float = 8.0
    rings: float = 1.5


@dataclass(frozen=True)
class StreamOrder:
    """A placement, the same order as history records it afterwards, and its truth."""

    placement: Placement
    outcome: PastOrder
    kind: str

    @property
    def is_fraud(self) -> bool:
        return self.kind != HONEST


@dataclass(frozen=True)
class _Customer:
    id: int
    phone: str
    home: tuple[float, float]
    work: tuple[float, float] | None
    cards: list[str]
    billing: tuple[float, float]
    median: float
    every_days: float
    join: float


class _Builder:
    """Draws places, times and tokens, and collects the orders."""

    def __init__(self, shape: StreamShape, seed: int) -> None:
        self.shape, self.rng = shape, np.random.default_rng(seed)
        self.orders: list[StreamOrder] = []
        self.owner: list[int | None] = []  # honest customer of each order (None: fraud)
        self._tokens = 0
        self.offices = [self.city() for _ in range(shape.offices)]

    def token(self, prefix: str) -> str:
        self._tokens += 1
        return f"{prefix}-{self._tokens}"

    def near(self, origin: tuple[float, float], low_km: float, high_km: float
             ) -> tuple[float, float]:
        """A point between ``low_km`` and ``high_km`` from ``origin``, any direction."""
        km, bearing = self.rng.uniform(low_km, high_km), self.rng.uniform(0, 2 * math.pi)
        lat = origin[0] + km * math.cos(bearing) / 111.32
        lon = origin[1] + km * math.sin(bearing) / (111.32 * math.cos(math.radians(origin[0])))
        return round(lat, 5), round(lon, 5)

    def city(self) -> tuple[float, float]:
        """A point uniform over the city's disc."""
        km = self.shape.city_km * math.sqrt(self.rng.uniform())
        return self.near(CENTRE, km, km)

    def account(self) -> int:
        """A fresh id no honest customer has: fraudulent sign-ups get ids too."""
        self._tokens += 1
        return 1_000_000 + self._tokens

    def honest_hour(self) -> float:
        lunch = self.rng.uniform() < 0.45
        hour = self.rng.normal(12.5, 1.0) if lunch else self.rng.normal(19.0, 1.5)
        return float(np.clip(hour, 7.0, 23.5))

    def add(self, days: float, kind: str, *, placed_id: int | None, recorded_id: int | None,
            phone: str | None, place: tuple[float, float], card: str | None,
            billing: tuple[float, float] | None, total: float, declined: bool,
            owner: int | None = None) -> None:
        at = START + timedelta(days=days)
        total_minor = max(100, int(round(total)))
        units = max(1, int(round(total_minor / self.rng.uniform(600, 1200))))
        key = f"{place[0]:.4f},{place[1]:.4f}"
        placement = Placement(at, placed_id, phone, key, card, total_minor, units, *place,
                              *(billing or (None, None)))
        outcome = PastOrder(at, recorded_id, phone, key, card, total_minor, *place,
                            declined=declined, delivered=not declined)
        self.orders.append(StreamOrder(placement, outcome, kind))
        self.owner.append(owner)


def synthetic_stream(orders: int = 5000, seed: int = 0,
                     shape: StreamShape = StreamShape()) -> list[StreamOrder]:
    """``orders`` orders in time order, honest and fraudulent (see the module docstring)."""
    if orders < 100:
        raise ValueError(f"orders must be at least 100, got {orders}")
    b = _Builder(shape, seed)
    customers = _honest(b, orders)
    per = orders / 1000
    victims = _takeovers(b, customers, max(1, round(shape.takeovers * per)))
    for _ in range(max(1, round(shape.card_testing * per))):
        _card_testing(b)
    for _ in range(max(1, round(shape.stolen_cards * per))):
        _stolen_card(b)
    for _ in range(max(1, round(shape.rings * per))):
        _ring(b)
    droppable = [i for i, owner in enumerate(b.owner) if owner is not None
                 and owner not in victims]
    surplus = len(b.orders) - orders
    size = min(max(0, surplus), len(droppable))
    drop = set(b.rng.choice(droppable, size=size, replace=False).tolist())
    kept = [o for i, o in enumerate(b.orders) if i not in drop]
    return sorted(kept, key=lambda o: o.placement.at)


def _honest(b: _Builder, target: int) -> list[_Customer]:
    rng, days, customers = b.rng, b.shape.days, []
    while len(b.orders) < target:
        home = b.city()
        work = b.offices[rng.integers(len(b.offices))] if rng.uniform() < 0.35 else None
        cards = [b.token("card") for _ in range(2 if rng.uniform() < 0.1 else 1)]
        billing = b.near(CENTRE, 30, 400) if rng.uniform() < 0.04 else home  # parents' card
        c = _Customer(len(customers) + 1, b.token("phone"), home, work, cards, billing,
                      median=float(rng.lognormal(math.log(3500), 0.45)),
                      every_days=float(rng.uniform(2, 8)),
                      join=float(rng.uniform(-days / 2, days)))  # before 0: known already
        customers.append(c)
        t = c.join
        while t < days:
            if t >= 0:
                _honest_order(b, c, math.floor(t) + b.honest_hour() / 24, first=t == c.join)
            t += rng.exponential(c.every_days)
    return customers


def _honest_order(b: _Builder, c: _Customer, day: float, first: bool) -> None:
    rng, u = b.rng, b.rng.uniform()
    place = (b.near(c.home, 20, 45) if u < 0.004 else b.city() if u < 0.024
             else c.work if c.work and rng.uniform() < 0.3 else c.home)
    card = None if rng.uniform() < 0.05 else c.cards[rng.integers(len(c.cards))]
    total = c.median * (rng.uniform(4, 8) if rng.uniform() < 0.015
                        else rng.lognormal(0, 0.35))
    declined = card is not None and rng.uniform() < 0.03
    common = dict(recorded_id=c.id, phone=c.phone, place=place, total=total, owner=c.id)
    b.add(day, HONEST, placed_id=None if first else c.id, card=card,
          billing=c.billing if card else None, declined=declined, **common)
    if declined and rng.uniform() < 0.7:  # retry a few minutes later, another card if any
        retry = c.cards[-1] if c.cards[-1] != card else c.cards[0]
        b.add(day + rng.uniform(2, 10) / 1440, HONEST, placed_id=c.id, card=retry,
              billing=c.billing, declined=bool(rng.uniform() < 0.25), **common)


def _takeovers(b: _Builder, customers: list[_Customer], count: int) -> set[int]:
    """Each victim has at least four delivered orders before the takeover."""
    delivered: dict[int, list[float]] = defaultdict(list)
    for order, owner in zip(b.orders, b.owner, strict=True):
        if owner is not None and order.outcome.delivered:
            delivered[owner].append((order.placement.at - START).total_seconds() / 86400)
    eligible = [c for c in customers if len(delivered[c.id]) >= 5]
    victims: set[int] = set()
    for i in b.rng.permutation(len(eligible)):
        if len(victims) == count:
            break
        c = eligible[i]
        t = sorted(delivered[c.id])[3] + b.rng.uniform(0.1, 3)
        if t >= b.shape.days:
            continue
        victims.add(c.id)
        place = b.near(c.home, 10, 60)
        phone = b.token("phone") if b.rng.uniform() < 0.5 else c.phone
        for _ in range(int(b.rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))):
            b.add(t, ACCOUNT_TAKEOVER, placed_id=c.id, recorded_id=c.id, phone=phone,
                  place=place, card=c.cards[0], billing=c.billing,
                  total=c.median * b.rng.uniform(5, 12), declined=False)
            t += b.rng.uniform(10, 60) / 1440
    return victims


def _card_testing(b: _Builder) -> None:
    rng, t = b.rng, b.rng.uniform(0, b.shape.days)
    card, place = b.token("card"), b.city()
    phone = b.token("phone") if rng.uniform() < 0.6 else None
    for attempt in range(int(rng.integers(5, 13))):
        b.add(t, CARD_TESTING, placed_id=None, recorded_id=None, phone=phone, place=place,
              card=card, billing=None, total=rng.uniform(150, 900),
              declined=attempt == 0 or bool(rng.uniform() < 0.45))
        t += rng.uniform(1, 6) / 1440


def _stolen_card(b: _Builder) -> None:
    rng, t = b.rng, b.rng.uniform(0, b.shape.days)
    account, card, phone = b.account(), b.token("card"), b.token("phone")
    place, billing = b.city(), b.near(CENTRE, 30, 400)
    for attempt in range(2 if rng.uniform() < 0.25 else 1):
        b.add(t, STOLEN_CARD, placed_id=None if attempt == 0 else account, recorded_id=account,
              phone=phone, place=place, card=card, billing=billing,
              total=rng.lognormal(math.log(22_000), 0.45), declined=bool(rng.uniform() < 0.15))
        t += rng.uniform(5, 30) / 1440


def _ring(b: _Builder) -> None:
    rng, t, drop = b.rng, b.rng.uniform(0, b.shape.days), b.city()
    for _ in range(int(rng.integers(5, 11))):
        billing = b.near(CENTRE, 30, 400) if rng.uniform() < 0.7 else None
        b.add(t, ADDRESS_RING, placed_id=None, recorded_id=b.account(),
              phone=b.token("phone"), place=drop, card=b.token("card"), billing=billing,
              total=rng.lognormal(math.log(9_000), 0.5), declined=bool(rng.uniform() < 0.2))
        t += rng.uniform(5, 20) / 1440


def replay(stream: Sequence[StreamOrder], lookback: timedelta = timedelta(days=90)
           ) -> Iterator[tuple[Placement, list[PastOrder], bool, str]]:
    """``(placement, history before it, is_fraud, kind)`` in time order; each order joins
    the history once the caller moves on to the next."""
    index = HistoryIndex(lookback)
    for order in sorted(stream, key=lambda o: o.placement.at):
        yield order.placement, index.history_for(order.placement), order.is_fraud, order.kind
        index.add(order.outcome)
