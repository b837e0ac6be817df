"""The scenario model: what the showcase files describe, what the service would accept of
them, and the cross-checks between sections."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from dispatch.fleet.schemas import DriverCreate
from dispatch.planning.batching import policy_from_config
from dispatch.planning.wave_schemas import BatchPolicyIn
from dispatch.scenarios import Clock, Scenario
from dispatch.scenarios.clock import parse_clock
from dispatch.scenarios.schema import Batching
from dispatch.stock.schemas import SkuCreate
from tests.scenarios.support import minimal

EXPECTED = {"restaurant-lunch": 58.5, "grocery-sameday": 300, "monaco-parcels": 80}


def _invalid(data) -> str:
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    return str(caught.value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_orders_match_the_descriptions(showcase, name):
    """The integral of each file's rate is the order count its header announces."""
    assert showcase[name].demand.expected_orders == pytest.approx(EXPECTED[name])


def test_restaurant_is_the_described_lunch(showcase):
    """Restaurant: one Monaco kitchen, 6 bikes with hot bags, 11:30-13:30 with the peak at
    12:15-13:00, 30-minute windows from 20-30 minutes after ordering, 2-3 minute stops."""
    s = showcase["restaurant-lunch"]
    (kitchen,) = s.depots
    assert (kitchen.lat, kitchen.lon) == (43.7384, 7.4246)
    assert sum(g.count for g in s.fleet) == 6 and {g.vehicle for g in s.fleet} == {"bike"}
    assert sum(g.count for g in s.fleet if "hot-bag" in g.skills) == 6
    assert any("hot-bag" in sku.skills for sku in s.catalogue.skus)
    rate = s.demand.rate
    assert (str(rate[0].start), str(rate[-1].end)) == ("11:30", "13:30")
    peak = max(rate, key=lambda p: p.per_hour)
    assert (str(peak.start), str(peak.end)) == ("12:15", "13:00")
    assert s.demand.windows.width_minutes == 30
    assert all(20 <= s.demand.windows.slots(m)[0] - m <= 30 for m in (700, 701, 709.5, 710))
    assert (s.service_minutes.mean - s.service_minutes.spread,
            s.service_minutes.mean + s.service_minutes.spread) == (2, 3)
    assert kitchen.batching.kind in ("on_demand", "periodic")
    assert 7 <= len(s.catalogue.skus) <= 10


def test_grocery_is_the_described_day(showcase):
    """Grocery: two warehouses, 12 vans with refrigerated ones for chilled SKUs, ~20 SKUs,
    2-hour slots 10-12 … 18-20, and returns at ~5% with ~30% exchanges."""
    s = showcase["grocery-sameday"]
    assert len(s.depots) == 2
    assert sum(g.count for g in s.fleet) == 12 and {g.vehicle for g in s.fleet} == {"van"}
    assert any("refrigerated" in g.skills for g in s.fleet)
    assert any("refrigerated" in sku.skills for sku in s.catalogue.skus)
    assert 18 <= len(s.catalogue.skus) <= 24
    w = s.demand.windows
    starts = sorted({w.slots(m)[i] for m in range(420, 1021, 10) for i in range(len(w.slots(m)))})
    assert [str(Clock(x)) for x in starts] == ["10:00", "12:00", "14:00", "16:00", "18:00"]
    assert w.width_minutes == 120
    assert s.noise.returns.return_rate == 0.05 and s.noise.returns.exchange_share == 0.3


def test_parcels_run_on_the_monaco_extract(showcase):
    """Parcels: the Monaco OSM extract, one depot, 4 vans/cargo bikes, 3-hour windows, and
    zones named after Monaco's districts."""
    s = showcase["monaco-parcels"]
    assert s.road_network is not None and s.road_network.osm == "../shared/data/monaco.osm.pbf"
    assert len(s.depots) == 1 and sum(g.count for g in s.fleet) == 4
    assert {g.vehicle for g in s.fleet} == {"van", "cargo_bike"}
    assert s.demand.windows.width_minutes == 180
    assert {z.name for z in s.demand.zones or ()} == {
        "Monte-Carlo", "La Condamine", "Fontvieille", "Monaco-Ville", "Larvotto"}
    assert all(z.circle is not None for z in s.demand.zones or ())


def test_showcase_data_is_what_the_service_accepts(showcase):
    """Every SKU is a valid SkuCreate, every vehicle group a valid DriverCreate, and every
    batching policy one the planner's policy_from_config builds."""
    for scenario in showcase.values():
        for sku in scenario.catalogue.skus:
            SkuCreate.model_validate(sku.model_dump())
        for group in scenario.fleet:
            DriverCreate(name=group.names()[0], warehouse_id=1, vehicle=group.vehicle,
                         capacity_weight_g=group.capacity_weight_g,
                         capacity_volume_ml=group.capacity_volume_ml, skills=list(group.skills))
        for depot in scenario.depots:
            policy_from_config(depot.batching.as_config())
            BatchPolicyIn.model_validate(depot.batching.as_config())


def test_batching_mirrors_batch_policy_in():
    """The depot batching keys are exactly BatchPolicyIn's."""
    assert set(Batching.model_fields) == set(BatchPolicyIn.model_fields)


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("9:05", 545), ("11:30", 690),
                                                ("24:00", 1440)])
def test_clock_times_parse(text, minutes):
    """HH:MM becomes minutes since midnight and prints back the same."""
    clock = parse_clock(text)
    assert clock == minutes and str(clock) == f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize("bad", ["24:01", "12:60", "noon", 690, None, "12:00:00"])
def test_clock_times_refuse_other_values(bad):
    """Numbers (YAML's base-60 reading of 11:30), times past 24:00 and other text are refused."""
    with pytest.raises(ValueError, match="expected a clock time HH:MM"):
        parse_clock(bad)


def test_dump_round_trips(showcase):
    """A scenario dumped by alias (clock times as HH:MM) validates back to the same scenario."""
    for scenario in showcase.values():
        dumped = scenario.model_dump(mode="json", by_alias=True)
        assert dumped["depots"][0]["hours"][0].count(":") == 1
        assert Scenario.model_validate(dumped) == scenario


def test_vehicle_names_and_day_start(tiny):
    """Groups name their vehicles prefix-1…n; day_start is local midnight of the given day."""
    assert tiny.fleet[0].names() == ["bike-1", "bike-2"]
    start = tiny.day_start(dt.date(2026, 7, 1))
    assert start.isoformat() == "2026-07-01T00:00:00+02:00"
    with pytest.raises(ValueError, match="no date"):
        tiny.day_start()


def test_overlapping_shifts_are_refused():
    """A group's shifts must follow each other without overlap."""
    data = minimal()
    data["fleet"][1]["shifts"] = [["10:00", "12:00"], ["11:00", "14:00"]]
    assert "starts at 11:00, before the previous shift ends at 12:00" in _invalid(data)


def test_stock_must_name_known_depots_and_skus():
    """Opening stock at an unknown depot, or of an unknown SKU, is refused."""
    data = minimal()
    data["catalogue"]["opening_stock"]["kitchen"]["PIZA"] = 3
    assert "catalogue.opening_stock.kitchen.PIZA: unknown SKU" in _invalid(data)
    data = minimal()
    data["catalogue"]["opening_stock"]["depot-2"] = {"PIZZA": 3}
    assert "catalogue.opening_stock.depot-2: unknown depot" in _invalid(data)


def test_sku_skills_need_a_vehicle_that_has_them():
    """A chilled SKU with no refrigerated vehicle could never be delivered: refused."""
    data = minimal()
    data["catalogue"]["skus"][1]["skills"] = ["refrigerated"]
    assert "catalogue.skus[1].skills: no vehicle in the fleet has skill 'refrigerated'" in (
        _invalid(data))


def test_rate_pieces_must_be_ordered():
    """Rate pieces run forwards and do not overlap."""
    data = minimal()
    data["demand"]["rate"][1]["from"] = "11:30"
    assert "rate[1]: starts at 11:30, before rate[0] ends at 12:00" in _invalid(data)


def test_payment_shares_must_add_up():
    """Card and cash shares cover every order."""
    data = minimal()
    data["demand"]["payment"] = {"card": 0.5, "cash": 0.2}
    assert "card 0.5 and cash 0.2 must add up to 1" in _invalid(data)


def test_last_order_must_still_get_a_window():
    """A window rule that leaves late orders without any slot is refused at load."""
    data = minimal()
    data["demand"]["windows"]["last_end"] = "13:00"
    assert "an order placed at 13:00 gets no window" in _invalid(data)


def test_zones_or_points_not_both():
    """Customers live in zones or at points: exactly one of the two."""
    data = minimal()
    data["demand"]["points"] = [{"lat": 43.74, "lon": 7.42}]
    assert "give exactly one of zones or points" in _invalid(data)


def test_batching_keys_follow_the_kind():
    """A periodic policy needs every_minutes and takes no threshold key."""
    data = minimal()
    data["depots"][0]["batching"] = {"kind": "periodic", "every_minutes": 5, "min_ready": 3}
    assert "min_ready: not a key of a periodic policy" in _invalid(data)
    data["depots"][0]["batching"] = {"kind": "periodic"}
    assert "every_minutes: a periodic policy needs it" in _invalid(data)


def test_strict_numbers():
    """A quoted number or a boolean where a count goes is a mistake, not a conversion."""
    for value in ("3", True, 2.5):
        data = minimal()
        data["fleet"][0]["count"] = value
        assert "fleet.0.count" in _invalid(data)


@pytest.mark.parametrize(("placed", "expected"), [(600, [620]), (605.5, [630]), (611, [640])])
def test_slots_start_after_the_lead_on_the_grid(tiny, placed, expected):
    """Slots start at least lead minutes after the order, on the alignment grid."""
    assert tiny.demand.windows.slots(placed) == expected
