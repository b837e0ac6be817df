"""The simulated order stream: seeded, in time order, with every kind of fraud in it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from dispatch.fraud.history import HistoryIndex
from dispatch.fraud.signals import signals
from dispatch.fraud.synthetic_stream import (
    ACCOUNT_TAKEOVER,
    ADDRESS_RING,
    CARD_TESTING,
    FRAUD_KINDS,
    HONEST,
    STOLEN_CARD,
    replay,
    synthetic_stream,
)


@pytest.fixture(scope="module")
def stream():
    return synthetic_stream(800, seed=3)


@pytest.fixture(scope="module")
def replayed(stream):
    return list(replay(stream))


def test_the_same_seed_gives_the_same_stream(stream):
    assert synthetic_stream(800, seed=3) == stream
    assert synthetic_stream(800, seed=4) != stream


def test_the_stream_has_the_asked_size_in_time_order_with_each_kind_of_fraud(stream):
    assert len(stream) == 800
    times = [o.placement.at for o in stream]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    kinds = Counter(o.kind for o in stream)
    assert set(kinds) == {HONEST, *FRAUD_KINDS}
    assert 0.02 < sum(kinds[k] for k in FRAUD_KINDS) / len(stream) < 0.12
    assert all(o.is_fraud == (o.kind != HONEST) for o in stream)


def test_outcomes_record_the_placed_order(stream):
    for order in stream:
        p, o = order.placement, order.outcome
        assert (p.at, p.phone, p.address_key, p.card_token, p.total_minor) == (
            o.at, o.phone, o.address_key, o.card_token, o.total_minor)
        assert o.delivered == (not o.declined)
        assert p.customer_id in (None, o.customer_id)


def test_card_testing_is_a_burst_of_small_orders_on_one_card_starting_with_a_decline(stream):
    bursts: dict[str, list] = {}
    for order in stream:
        if order.kind == CARD_TESTING:
            bursts.setdefault(order.placement.card_token, []).append(order)
    for orders in bursts.values():
        assert len(orders) >= 5 and orders[0].outcome.declined
        assert orders[-1].placement.at - orders[0].placement.at < timedelta(hours=1, minutes=15)
        assert all(o.placement.total_minor < 1000 and o.placement.customer_id is None
                   for o in orders)


def test_fraud_looks_like_its_kind_to_the_screening(replayed):
    """A takeover comes from a known customer with delivered history; stolen cards and
    rings from new customers billed far away or at a busy address."""
    for placement, history, _fraud, kind in replayed:
        if kind == ACCOUNT_TAKEOVER:
            own = [o for o in history if o.customer_id == placement.customer_id and o.delivered]
            assert placement.customer_id is not None and len(own) >= 4
    rings = [(p, h) for p, h, _f, k in replayed if k == ADDRESS_RING]
    assert any("velocity_address" in {r.code for r in signals(p, h)} for p, h in rings)
    stolen = [p for p, _h, _f, k in replayed if k == STOLEN_CARD]
    assert all(p.billing_lat is not None for p in stolen)


def test_replay_gives_each_placement_only_earlier_orders_sharing_a_key(replayed):
    assert replayed[0][1] == []
    for placement, history, _fraud, _kind in replayed[::20]:
        keys = {("customer", placement.customer_id), ("phone", placement.phone),
                ("address", placement.address_key), ("card", placement.card_token)}
        for order in history:
            assert order.at <= placement.at
            shared = keys & {("customer", order.customer_id), ("phone", order.phone),
                             ("address", order.address_key), ("card", order.card_token)}
            assert {k for k in shared if k[1] is not None}


def test_the_index_forgets_orders_older_than_its_lookback(stream):
    first = stream[0].outcome
    index = HistoryIndex(lookback=timedelta(days=1))
    index.add(first)
    later = stream[0].placement
    assert index.history_for(later) == [first]
    assert index.history_for(replace(later, at=later.at + timedelta(days=2))) == []


def test_tiny_streams_are_refused():
    with pytest.raises(ValueError, match="orders"):
        synthetic_stream(10)
