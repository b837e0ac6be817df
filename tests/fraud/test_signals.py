"""Rule reasons and feature rows worked by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.fraud.signals import (
    FEATURE_NAMES,
    PastOrder,
    Placement,
    ReasonWeights,
    ScreeningPolicy,
    features,
    signals,
)

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
HOME = (52.52, 13.405)
KM_PER_DEGREE_LAT = 111.195  # haversine with the mean Earth radius


def past(minutes_ago: float, **changes) -> PastOrder:
    """An order by someone else, to somewhere else, on another card, unless changed."""
    order = PastOrder(NOW - timedelta(minutes=minutes_ago), customer_id=99, phone="p-other",
                      address_key="elsewhere", card_token="c-other", total_minor=3000,
                      lat=HOME[0], lon=HOME[1], declined=False, delivered=True)
    return replace(order, **changes)


def placement(**changes) -> Placement:
    order = Placement(NOW, customer_id=1, phone="p-1", address_key="home", card_token="c-1",
                      total_minor=3000, units=3, lat=HOME[0], lon=HOME[1])
    return replace(order, **changes)


def codes(reasons) -> list[str]:
    return [r.code for r in reasons]


def test_the_fourth_order_on_a_card_within_the_hour_is_a_signal_the_third_is_not():
    two = [past(10, card_token="c-1"), past(50, card_token="c-1")]
    assert signals(placement(), two) == []
    three = [*two, past(60, card_token="c-1")]  # exactly at the edge of the window counts
    (reason,) = signals(placement(), three)
    assert reason.code == "velocity_card" and reason.weight == pytest.approx(0.6)
    assert reason.detail == "4 orders on this card in the last 60 min (limit 3)"


def test_orders_outside_the_window_or_after_the_placement_do_not_count():
    history = [past(10, card_token="c-1"), past(30, card_token="c-1"),
               past(61, card_token="c-1"), past(-5, card_token="c-1")]
    assert signals(placement(), history) == []


def test_each_order_beyond_the_limit_adds_evidence():
    """Five orders, two over the limit: 1 - (1 - 0.6)^2 = 0.84."""
    history = [past(m, card_token="c-1") for m in (5, 15, 25, 35)]
    (reason,) = signals(placement(), history)
    assert reason.weight == pytest.approx(0.84)


def test_customer_phone_and_address_velocity_are_counted_separately():
    history = [past(5, customer_id=1), past(6, customer_id=1), past(7, customer_id=1),
               past(8, phone="p-1"), past(9, phone="p-1"), past(10, phone="p-1"),
               past(11, address_key="home"), past(12, address_key="home")]
    found = {r.code: r for r in signals(placement(), history)}
    assert set(found) == {"velocity_customer", "velocity_phone"}
    assert found["velocity_customer"].detail.startswith("4 orders by this customer")
    assert found["velocity_phone"].weight == pytest.approx(0.35)


def test_a_guest_without_phone_or_card_has_only_an_address_to_count():
    guest = placement(customer_id=None, phone=None, card_token=None)
    history = [past(m, customer_id=None, phone=None, card_token=None) for m in (1, 2, 3)]
    assert signals(guest, history) == []   # their address differs
    (reason,) = signals(guest, [replace(o, address_key="home") for o in history])
    assert reason.code == "velocity_address"
    assert features(guest, [])[[FEATURE_NAMES.index(n) for n in (
        "velocity_customer", "velocity_phone", "velocity_address", "velocity_card")]].tolist() \
        == [0, 0, 1, 0]


def own_history(totals, **changes) -> list[PastOrder]:
    """The customer's delivered orders, days apart, at home."""
    return [past(60 * 24 * (i + 2), customer_id=1, total_minor=t, **changes)
            for i, t in enumerate(totals)]


def test_a_total_above_four_times_the_customers_median_is_a_signal():
    """Median of 20.00, 30.00, 45.00 is 30.00; 120.01 is 4.0003x of it, 120.00 exactly 4x."""
    history = own_history([2000, 3000, 4500])
    (reason,) = signals(placement(total_minor=12_001), history)
    assert reason.code == "value_above_history" and reason.weight == pytest.approx(0.4)
    assert reason.detail == ("total 120.01 is 4.0x the customer's median 30.00 over 3 orders "
                             "(limit 4x)")
    assert signals(placement(total_minor=12_000), history) == []


def test_value_is_judged_only_on_enough_delivered_orders():
    history = own_history([2000, 3000]) + [past(60 * 24 * 9, customer_id=1, total_minor=3000,
                                                declined=True, delivered=False)]
    assert signals(placement(total_minor=50_000), history) == []
    assert features(placement(total_minor=50_000), history)[
        FEATURE_NAMES.index("value_ratio")] == pytest.approx(20)  # 50_000 / median 2500


def test_delivery_far_from_every_usual_address_needs_enough_history():
    """25 km north of the only usual address (three orders there), then with two orders."""
    far = placement(lat=HOME[0] + 25 / KM_PER_DEGREE_LAT, address_key="far")
    (reason,) = signals(far, own_history([3000, 3000, 3000]))
    assert reason.code == "far_from_usual_addresses"
    assert reason.detail == ("delivery 25 km from the nearest of the customer's 1 usual "
                             "address(es) (limit 20 km)")
    assert signals(far, own_history([3000, 3000])) == []
    near_work = own_history([3000, 3000]) + own_history(
        [3000], lat=HOME[0] + 24 / KM_PER_DEGREE_LAT)    # a second usual address, 1 km away
    assert signals(far, near_work) == []
    assert features(far, near_work)[FEATURE_NAMES.index("km_from_usual")] == pytest.approx(
        1.0, abs=0.01)


def test_billing_far_away_counts_only_on_a_card_not_yet_proven_by_deliveries():
    billed_far = placement(billing_lat=HOME[0] + 30 / KM_PER_DEGREE_LAT, billing_lon=HOME[1])
    (reason,) = signals(billed_far, [])
    assert reason.code == "far_from_billing" and reason.detail.startswith("delivery 30 km")
    proven = own_history([3000, 3000, 3000], card_token="c-1")
    assert signals(billed_far, proven) == []
    assert features(billed_far, proven)[FEATURE_NAMES.index("km_from_billing")] == \
        pytest.approx(30, abs=0.01)


def test_a_new_customers_large_basket_is_a_signal():
    (reason,) = signals(placement(customer_id=None, total_minor=15_000), [])
    assert reason.code == "new_customer_large_basket"
    assert reason.detail == "new customer with a basket of 150.00 (limit 150.00)"
    assert signals(placement(customer_id=None, total_minor=14_999), []) == []
    assert signals(placement(customer_id=1, total_minor=15_000), []) == []


def test_declines_by_the_customer_card_or_phone_within_a_day_are_a_signal():
    declined = {"declined": True, "delivered": False}
    assert signals(placement(), [past(60 * 25, card_token="c-1", **declined)]) == []
    assert signals(placement(), [past(60 * 23, address_key="home", **declined)]) == []
    (reason,) = signals(placement(), [past(60 * 23, card_token="c-1", **declined)])
    assert reason.code == "recent_declines" and reason.weight == pytest.approx(0.35)
    two = [past(60 * 23, phone="p-1", **declined), past(30, customer_id=1, **declined)]
    (reason,) = signals(placement(), two)
    assert reason.weight == pytest.approx(1 - 0.65**2)
    assert reason.detail == ("2 declined payment(s) by this customer, card or phone in the "
                             "last 24 h (limit 1)")


def test_features_of_a_new_customer_at_six_in_the_morning():
    row = features(placement(customer_id=None, at=NOW.replace(hour=6), total_minor=999), [])
    values = dict(zip(FEATURE_NAMES, row.tolist(), strict=True))
    assert len(row) == len(FEATURE_NAMES)
    assert values["log_total"] == pytest.approx(math.log(1000))
    assert values["value_ratio"] == 1 and values["km_from_usual"] == 0
    assert values["km_from_billing"] == 0 and values["recent_declines"] == 0
    assert values["new_customer"] == 1 and values["velocity_customer"] == 0
    assert values["hour_sin"] == pytest.approx(1) and values["hour_cos"] == pytest.approx(0,
                                                                                     abs=1e-12)


@pytest.mark.parametrize(("changes", "field"), [
    ({"velocity_window": timedelta(0)}, "velocity_window"),
    ({"decline_window": timedelta(hours=-1)}, "decline_window"),
    ({"velocity_limit": 0}, "velocity_limit"),
    ({"min_history": 0}, "min_history"),
    ({"value_ratio": 1.0}, "value_ratio"),
    ({"far_km": -1.0}, "far_km"),
    ({"hold_threshold": 0.0}, "hold_threshold"),
    ({"hold_threshold": 1.5}, "hold_threshold"),
    ({"anomaly_level": 1.0}, "anomaly_level"),
    ({"anomaly_weight": -0.1}, "anomaly_weight"),
])
def test_nonsense_policies_are_refused_naming_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        ScreeningPolicy(**changes)


def test_weights_outside_zero_to_one_are_refused_naming_the_weight():
    with pytest.raises(ValueError, match="weights.velocity_card"):
        ReasonWeights(velocity_card=1.2)
