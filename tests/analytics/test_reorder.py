"""Reorder points and quantities worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispatch.analytics.forecast import Forecast
from dispatch.analytics.reorder import ReorderPolicy, reorder_advice

TEN_A_DAY = Forecast(np.full(14, 10.0), "holt_winters", sigma=4.0)


def test_below_the_point_an_order_brings_stock_back_for_the_review_period():
    """Lead 4 days: 40 expected; safety 1.645 × 4 × √4 = 13.2; point 53.2. 30 free: order
    up to 4 + 7 days of demand (110) plus the safety stock, less the 30: 94."""
    advice = reorder_advice(TEN_A_DAY, on_hand=35, reserved=5,
                            policy=ReorderPolicy(service_level=0.95, lead_days=4, review_days=7))
    assert advice.free == 30 and advice.lead_demand == 40
    assert advice.safety_stock == pytest.approx(1.6449 * 4 * 2, abs=0.01)
    assert advice.reorder_point == pytest.approx(53.16, abs=0.01)
    assert advice.order_now and advice.order_quantity == math.ceil(110 + 13.159 - 30)
    assert advice.reason.startswith("30 free, below the reorder point 53.2")
    assert "holt_winters" in advice.reason


def test_enough_free_stock_orders_nothing():
    advice = reorder_advice(TEN_A_DAY, on_hand=80, reserved=0)
    assert not advice.order_now and advice.order_quantity == 0
    assert advice.reason.startswith("80 free covers the reorder point")


def test_a_higher_service_level_keeps_more_safety_stock():
    low, high = (reorder_advice(TEN_A_DAY, on_hand=0, reserved=0,
                                policy=ReorderPolicy(service_level=level))
                 for level in (0.9, 0.99))
    assert high.safety_stock > low.safety_stock > 0


def test_part_days_and_days_beyond_the_forecast_are_counted():
    """Lead 2.5 days of a 2-day forecast [4, 6]: 4 + 6 + half of the repeated 6 = 13."""
    short = Forecast(np.array([4.0, 6.0]), "mean", sigma=0.0)
    advice = reorder_advice(short, on_hand=0, reserved=0,
                            policy=ReorderPolicy(lead_days=2.5, review_days=0))
    assert advice.lead_demand == 13 and advice.safety_stock == 0
    assert advice.order_quantity == 13


@pytest.mark.parametrize("bad", [{"service_level": 1.0}, {"service_level": 0.3},
                                 {"lead_days": -1}, {"review_days": float("nan")}])
def test_nonsense_policies_are_refused(bad):
    with pytest.raises(ValueError):
        ReorderPolicy(**bad)
