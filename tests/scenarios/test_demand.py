"""Seeded demand and behaviour: deterministic per seed, and faithful to the scenario."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import numpy as np
import pytest

from dispatch.scenarios import Behaviour, OrderArrival, Scenario, generate_orders
from dispatch.scenarios.demand import CARD_DECLINED, CARD_OK
from dispatch.scenarios.geography import contains
from tests.scenarios.conftest import SHOWCASE
from tests.scenarios.support import minimal

DAY = dt.date(2026, 11, 26)
SEEDS = range(10)


def _orders(scenario: Scenario, seed: int = 0) -> list[OrderArrival]:
    return generate_orders(scenario, seed=seed, day_start=scenario.day_start(DAY))


@pytest.fixture(scope="module")
def days(showcase) -> dict[str, list[list[OrderArrival]]]:
    """Each showcase scenario's orders for seeds 0-9, generated once."""
    return {name: [_orders(showcase[name], seed) for seed in SEEDS] for name in SHOWCASE}


def test_same_seed_same_orders(showcase):
    """Generating twice with one seed gives identical orders."""
    scenario = showcase["grocery-sameday"]
    assert _orders(scenario, 7) == _orders(scenario, 7)


def test_different_seeds_differ(showcase):
    """Two seeds give different days."""
    scenario = showcase["restaurant-lunch"]
    assert _orders(scenario, 1) != _orders(scenario, 2)


def test_restaurant_counts(days):
    """Over seeds 0-9 the restaurant's median day has 40-60 orders."""
    counts = [len(day) for day in days["restaurant-lunch"]]
    assert 40 <= statistics.median(counts) <= 60


def test_grocery_counts(days):
    """Every grocery day of seeds 0-9 has 300 orders ± 15%."""
    assert all(255 <= len(day) <= 345 for day in days["grocery-sameday"])


def test_parcel_counts(days):
    """Over seeds 0-9 the parcel round's median day is 80 ± 15%."""
    assert 68 <= statistics.median(len(day) for day in days["monaco-parcels"]) <= 92


@pytest.mark.parametrize("name", SHOWCASE)
def test_orders_arrive_in_order_within_the_rate_pieces(showcase, days, name):
    """Orders are sorted by time, aware, and placed inside a piece with a positive rate."""
    scenario = showcase[name]
    start = scenario.day_start(DAY)
    for day in days[name]:
        times = [o.placed_at for o in day]
        assert times == sorted(times)
        for order in day:
            minute = (order.placed_at - start).total_seconds() / 60
            assert order.placed_at.tzinfo is not None
            assert any(p.start <= minute < p.end and p.per_hour > 0 for p in scenario.demand.rate)


@pytest.mark.parametrize("name", SHOWCASE)
def test_points_lie_in_their_zone(showcase, days, name):
    """Every delivery point lies inside the zone it is labelled with."""
    zones = {z.name: z for z in showcase[name].demand.zones or ()}
    for day in days[name]:
        for order in day:
            assert contains(zones[order.zone], order.lat, order.lon), order


@pytest.mark.parametrize("name", SHOWCASE)
def test_windows_follow_the_rules(showcase, days, name):
    """Windows are the configured width, start at least lead minutes after ordering, sit on
    the alignment grid and end by last_end."""
    scenario = showcase[name]
    rules, start = scenario.demand.windows, scenario.day_start(DAY)
    for day in days[name]:
        for order in day:
            assert order.window_end - order.window_start == dt.timedelta(
                minutes=rules.width_minutes)
            assert order.window_start >= order.placed_at + dt.timedelta(minutes=rules.lead_minutes)
            offset = (order.window_start - start).total_seconds() / 60
            if rules.align_minutes:
                assert (offset - (rules.first_start or 0)) % rules.align_minutes == 0
            if rules.last_end is not None:
                assert offset + rules.width_minutes <= rules.last_end


@pytest.mark.parametrize("name", SHOWCASE)
def test_baskets_respect_sizes(showcase, days, name):
    """Each order has lines.min-lines.max distinct known SKUs, quantities within range."""
    scenario = showcase[name]
    basket, codes = scenario.demand.basket, {s.code for s in scenario.catalogue.skus}
    for day in days[name]:
        for order in day:
            skus = [code for code, _ in order.lines]
            assert basket.lines.min <= len(skus) <= basket.lines.max
            assert len(set(skus)) == len(skus) and set(skus) <= codes
            assert all(basket.quantity.min <= q <= basket.quantity.max for _, q in order.lines)


def test_popular_skus_sell_more(days):
    """A SKU with popularity 3 appears in more orders than one with 0.5."""
    lines = Counter(code for day in days["grocery-sameday"] for o in day for code, _ in o.lines)
    assert lines["BREAD-SOURDOUGH"] > 3 * lines["SALMON-300G"]


def test_payment_mix(days):
    """Card share, cash on delivery and declined tokens follow the grocery payment mix."""
    orders = [o for day in days["grocery-sameday"] for o in day]
    methods = Counter(o.payment_method for o in orders)
    assert methods.keys() == {"card", "cash_on_delivery"}
    assert methods["cash_on_delivery"] / len(orders) == pytest.approx(0.08, abs=0.02)
    cards = [o.card_token for o in orders if o.payment_method == "card"]
    assert set(cards) == {CARD_OK, CARD_DECLINED}
    assert cards.count(CARD_DECLINED) / len(cards) == pytest.approx(0.03, abs=0.015)
    assert all(o.card_token is None for o in orders if o.payment_method != "card")


def test_repeat_customers_keep_their_identity_and_address(days):
    """Customers come from a pool: some order twice, always with the same name and address."""
    seen: dict[str, tuple] = {}
    repeats = 0
    for order in days["grocery-sameday"][0]:
        who = (order.customer, order.lat, order.lon)
        repeats += order.customer.id in seen
        assert seen.setdefault(order.customer.id, who) == who
        assert "@" in order.customer.email and order.customer.phone.startswith("+377")
    assert repeats > 0


def test_points_instead_of_zones(tiny):
    """With explicit points every order goes to one of them."""
    data = minimal()
    del data["demand"]["zones"]
    data["demand"]["points"] = [{"lat": 43.74, "lon": 7.42, "name": "casino"},
                                {"lat": 43.73, "lon": 7.41, "weight": 3}]
    scenario = Scenario.model_validate(data)
    places = {(o.lat, o.lon) for o in _orders(scenario)}
    assert places <= {(43.74, 7.42), (43.73, 7.41)} and len(places) == 2


def test_streams_are_independent(tiny):
    """Changing the basket rule leaves arrival times and places of the same seed unchanged."""
    data = minimal()
    data["demand"]["basket"]["lines"] = {"min": 2, "max": 2}
    other = Scenario.model_validate(data)
    assert [(o.placed_at, o.lat) for o in _orders(tiny, 3)] == [
        (o.placed_at, o.lat) for o in _orders(other, 3)]


def test_day_start_must_be_aware(tiny):
    """A naive day start is refused: times must carry their offset."""
    with pytest.raises(ValueError, match="aware"):
        generate_orders(tiny, seed=0, day_start=dt.datetime(2026, 11, 26))


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1"])
def test_bad_seeds_are_refused(tiny, seed):
    """Seeds are non-negative integers."""
    with pytest.raises(ValueError, match="seed"):
        Behaviour(tiny, seed)


def test_behaviour_is_deterministic(tiny):
    """Two behaviours from one seed draw the same values; another seed differs."""
    def draws(seed):
        b = Behaviour(tiny, seed)
        return [(b.travel_factor(), b.service_seconds(), b.not_home(), b.wants_return())
                for _ in range(50)]
    assert draws(4) == draws(4)
    assert draws(4) != draws(5)


def test_behaviour_streams_do_not_disturb_each_other(tiny):
    """Extra travel draws leave the not-home and return draws where they were."""
    plain, busy = Behaviour(tiny, 9), Behaviour(tiny, 9)
    for _ in range(100):
        busy.travel_factor()
        busy.service_seconds()
    assert [plain.not_home() for _ in range(200)] == [busy.not_home() for _ in range(200)]
    assert [plain.wants_return() for _ in range(200)] == [busy.wants_return() for _ in range(200)]


def test_not_home_rate(tiny):
    """Over 10,000 draws the not-home share is the configured 5% within one point."""
    b = Behaviour(tiny, 0)
    assert np.mean([b.not_home() for _ in range(10_000)]) == pytest.approx(0.05, abs=0.01)


def test_travel_factor_mean_and_spread(tiny):
    """Travel factors average 1 with the configured coefficient of variation (0.2)."""
    b = Behaviour(tiny, 0)
    factors = np.array([b.travel_factor() for _ in range(10_000)])
    assert factors.min() > 0
    assert factors.mean() == pytest.approx(1.0, abs=0.01)
    assert factors.std() / factors.mean() == pytest.approx(0.2, abs=0.02)


def test_service_seconds_mean(tiny):
    """Service times average the configured 2.5 minutes."""
    b = Behaviour(tiny, 0)
    seconds = np.array([b.service_seconds() for _ in range(10_000)])
    assert seconds.min() > 0
    assert seconds.mean() == pytest.approx(150, rel=0.02)


def test_service_seconds_grow_with_the_goods_carried():
    """With 0.1 min per kg, ten 520 g waters add about 31 s to the 2.5-minute doorstep
    (same seed, same draws); goods the catalogue does not know weigh nothing."""
    data = minimal()
    data["service_minutes"] = {"mean": 2.5, "spread": 0.5, "per_kg": 0.1}
    data["noise"] = {}
    scenario = Scenario.model_validate(data)
    bare = Behaviour(scenario, 3).service_seconds()
    assert 120 <= bare <= 180
    assert Behaviour(scenario, 3).service_seconds([("WATER", 10)]) == pytest.approx(bare + 31.2)
    assert Behaviour(scenario, 3).service_seconds([("NOPE", 10)]) == pytest.approx(bare)


def test_returns(tiny):
    """Returns come at the configured rate, with the exchange share and weighted reasons."""
    b = Behaviour(tiny, 0)
    requests = [r for r in (b.wants_return() for _ in range(10_000)) if r]
    assert len(requests) / 10_000 == pytest.approx(0.1, abs=0.01)
    assert np.mean([r.exchange for r in requests]) == pytest.approx(0.3, abs=0.05)
    reasons = Counter(r.reason for r in requests)
    assert reasons.keys() == {"damaged", "wrong_item"}
    assert reasons["wrong_item"] / len(requests) == pytest.approx(0.75, abs=0.05)
    assert all(dt.timedelta(minutes=60) <= r.after <= dt.timedelta(minutes=180) for r in requests)


def test_no_noise_means_the_plan(tiny):
    """With zero coefficients of variation the factors are exactly 1."""
    data = minimal()
    data["noise"] = {}
    b = Behaviour(Scenario.model_validate(data), 0)
    assert {b.travel_factor() for _ in range(20)} == {1.0}
    assert b.wants_return() is None and not b.not_home()


def test_picking_seconds_within_spread(tiny):
    """Picking takes the depot's picking_minutes: 10 ± 2 minutes."""
    b = Behaviour(tiny, 0)
    assert all(480 <= b.picking_seconds("kitchen") <= 720 for _ in range(1000))
