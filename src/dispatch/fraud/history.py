"""Past orders indexed by the identifiers the rules compare: customer, phone, address
and card. Screening a placement needs only the orders sharing one of them, so the index
(used when replaying history to train the anomaly model, and by the benchmark) hands each
placement that much and no more."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Hashable
from datetime import timedelta

from dispatch.fraud.signals import PastOrder, Placement


def _keys(order: PastOrder | Placement) -> list[tuple[str, Hashable]]:
    pairs = (("customer", order.customer_id), ("phone", order.phone),
             ("address", order.address_key), ("card", order.card_token))
    return [(name, value) for name, value in pairs if value is not None]


class HistoryIndex:
    """Past orders by customer, phone, address and card. A placement's history is the
    orders from the last ``lookback`` sharing one of its identifiers: all the rules read,
    and far fewer than every order before it."""

    def __init__(self, lookback: timedelta = timedelta(days=90)) -> None:
        self.lookback = lookback
        self._by_key: dict[tuple[str, Hashable], list[PastOrder]] = defaultdict(list)

    def add(self, order: PastOrder) -> None:
        for key in _keys(order):
            bisect.insort(self._by_key[key], order, key=lambda o: o.at)

    def history_for(self, placement: Placement) -> list[PastOrder]:
        since, found = placement.at - self.lookback, {}
        for key in _keys(placement):
            orders = self._by_key.get(key, [])
            for order in orders[bisect.bisect_left(orders, since, key=lambda o: o.at):]:
                if order.at <= placement.at:
                    found[id(order)] = order
        return sorted(found.values(), key=lambda o: o.at)


