"""Every KPI worked by hand on a handful of facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.kpi_facts import (
    DriverDayFact,
    EtaFact,
    Facts,
    Keys,
    OrderFact,
    PickFact,
    ReturnFact,
    StockoutFact,
)
from dispatch.analytics.kpis import grouped, kpis

NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
MON = Keys(day="2026-11-02", driver=1, warehouse=7, zone="spv2bf")
TUE = Keys(day="2026-11-03", driver=2, warehouse=7, zone="spv2bc")


def order(keys=MON, status="delivered", late_min: float | None = 0, attempts=1,
          lines=(("CLOCK", 2),), total=5000, refunded=0) -> OrderFact:
    began = None if late_min is None else NOON + late_min * MIN
    return OrderFact(keys, status, NOON, began, attempts, lines, total, refunded)


def facts() -> Facts:
    return Facts(
        orders=[
            order(late_min=-5),  # early: on time
            order(late_min=0),  # at the close: on time
            order(late_min=10, attempts=2, lines=(("CLOCK", 1), ("MILK", 3))),
            order(keys=TUE, late_min=30),
            order(keys=TUE, status="failed", late_min=None, attempts=1, total=900),
            order(keys=TUE, status="cancelled", late_min=None, attempts=0, refunded=900),
        ],
        picks=[PickFact(MON, 1, True), PickFact(MON, 2, False), PickFact(MON, 2, True),
               PickFact(TUE, 4, True)],
        returns=[ReturnFact(MON, "CLOCK", "damaged", 1), ReturnFact(TUE, "CLOCK", "wrong_item", 2),
                 ReturnFact(TUE, "MILK", "damaged", 1)],
        stockouts=[StockoutFact(Keys(day="2026-11-02", warehouse=7), "MILK", 4)],
        etas=[EtaFact(MON, 10 * 60, 120), EtaFact(MON, 20 * 60, -60),
              EtaFact(TUE, 90 * 60, 600), EtaFact(TUE, 150 * 60, -300)],
        driver_days=[DriverDayFact(Keys(day="2026-11-02", driver=1, warehouse=7), 3 * 3600,
                                   30.0, 5, 3, 4 * 3600),
                     DriverDayFact(Keys(day="2026-11-03", driver=2, warehouse=7), 3600,
                                   12.0, 3, 1, 0)],
    )


def test_the_whole_period_by_hand():
    k = kpis(facts())
    # 5 live orders; on time: the early one and the one at the close.
    assert (k.orders, k.cancelled, k.delivered) == (5, 1, 4)
    assert k.on_time_rate == pytest.approx(2 / 5)
    # Lateness of the delivered: 0, 0, 10, 30 -> mean 10; p90 at rank 2.7 -> 10 + .7*20.
    assert k.lateness_mean_min == pytest.approx(10.0)
    assert k.lateness_p90_min == pytest.approx(24.0)
    # Attempted: 5 (the failed one too); first time: 3 of the 4 delivered.
    assert k.first_attempt_success == pytest.approx(3 / 5)
    # One mismatch over 3 orders picked (order 2 twice).
    assert k.pick_mismatches_per_100 == pytest.approx(100 / 3)
    # Units: 2 + 2 + 4 + 2 + 2 (failed, not cancelled) = 12 accepted; 4 refused.
    assert (k.units_ordered, k.units_short, k.stockout_events) == (12, 4, 1)
    assert k.fill_rate == pytest.approx(12 / 16)
    # Returned 4 of the 10 units delivered; CLOCK 3 of 7, MILK 1 of 3.
    assert k.units_returned == 4 and k.return_rate == pytest.approx(0.4)
    assert list(k.returns_by_reason.items()) == [("damaged", 2), ("wrong_item", 2)]
    assert [(r.sku, r.units_returned, r.units_delivered) for r in k.returns_by_sku] == [
        ("CLOCK", 3, 7), ("MILK", 1, 3)]
    # ETA errors 2, -1, 10, -5 min: MAE 4.5; |e| sorted 1 2 5 10 -> p90 5 + .7*5; bias 1.5.
    assert k.eta_samples == 4
    assert (k.eta_mae_min, k.eta_p90_min, k.eta_bias_min) == pytest.approx((4.5, 8.5, 1.5))
    bands = {b.lead: (b.samples, b.mae_min, b.bias_min) for b in k.eta_by_lead}
    assert bands == {"0-15": (1, 2.0, 2.0), "15-30": (1, 1.0, -1.0),
                     "30-60": (0, None, None), "60-120": (1, 10.0, 10.0),
                     "120+": (1, 5.0, -5.0)}
    # Road: 42 km and 4 h for 4 deliveries and 8 stops; 4 h of 4 h rostered.
    assert k.km == 42.0 and k.km_per_delivery == pytest.approx(10.5)
    assert k.minutes_per_delivery == pytest.approx(60.0)
    assert k.stops_per_route_hour == pytest.approx(2.0)
    assert k.driver_utilisation == pytest.approx(1.0)
    assert (k.revenue_minor, k.refunds_minor) == (4 * 5000, 900)


def test_groups_split_the_facts_by_their_keys():
    by_day = dict(grouped(facts(), "day"))
    assert list(by_day) == ["2026-11-02", "2026-11-03"]
    monday, tuesday = by_day["2026-11-02"], by_day["2026-11-03"]
    assert monday.orders == 3 and monday.on_time_rate == pytest.approx(2 / 3)
    assert monday.units_short == 4 and monday.fill_rate == pytest.approx(8 / 12)
    assert monday.driver_utilisation == pytest.approx(0.75)
    assert tuesday.on_time_rate == 0.0 and tuesday.fill_rate == 1.0
    # Tuesday's driver had no shift: utilisation has nothing to divide by.
    assert tuesday.driver_utilisation is None
    by_zone = dict(grouped(facts(), "zone"))
    # Zones have no stockouts and no days on the road.
    assert by_zone["spv2bf"].units_short == 0 and by_zone["spv2bf"].km is None


def test_nothing_to_divide_by_is_none_not_zero():
    k = kpis(Facts())
    assert (k.orders, k.on_time_rate, k.lateness_mean_min, k.fill_rate,
            k.eta_mae_min, k.km) == (0, None, None, None, None, None)
    assert [b.samples for b in k.eta_by_lead] == [0] * 5
