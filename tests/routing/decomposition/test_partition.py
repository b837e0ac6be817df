"""The first split: units that must stay together, sectors of the sweep, vehicles per part."""

import math

import pytest

from dispatch.routing import Pair, PlanarPoint, Problem, Stop, StopKind, TimeWindow, Vehicle
from dispatch.routing.decomposition.partition import Layout, sectors, share_vehicles, units

SHIFT = TimeWindow(0, 100_000)


def van(vehicle_id, x=0.0, y=0.0):
    return Vehicle(vehicle_id, PlanarPoint(x, y), SHIFT)


def ring(count, radius=100.0, prefix="s"):
    """Stops evenly spread on a circle around the origin, counter-clockwise from east."""
    return [Stop(f"{prefix}{k}", PlanarPoint(radius * math.cos(2 * math.pi * k / count),
                                             radius * math.sin(2 * math.pi * k / count)))
            for k in range(count)]


def test_units_keep_each_pickup_with_its_delivery_and_other_stops_alone():
    """Pairs form one unit (pickup first) where either half first appears; in stop order."""
    at = PlanarPoint(1, 1)
    stops = [Stop("s0", at), Stop("d2", at, kind=StopKind.DELIVERY),
             Stop("p1", at, kind=StopKind.PICKUP), Stop("s1", at),
             Stop("d1", at, kind=StopKind.DELIVERY), Stop("p2", at, kind=StopKind.PICKUP),
             Stop("lone-pickup", at, kind=StopKind.PICKUP)]
    problem = Problem(vehicles=[van("v")], stops=stops,
                      pairs=[Pair("p1", "d1"), Pair("p2", "d2")])
    assert units(problem) == [["s0"], ["p2", "d2"], ["p1", "d1"], ["s1"], ["lone-pickup"]]


def test_layout_centres_on_the_vehicle_starts():
    problem = Problem(vehicles=[van("a", 0, 0), van("b", 10, 20)], stops=ring(4))
    layout = Layout.of(problem)
    assert layout.centre == pytest.approx([5.0, 10.0])
    assert layout.vehicle_xy["b"] == pytest.approx([10.0, 20.0])
    assert layout.stop_xy["s1"] == pytest.approx([0.0, 100.0])
    assert layout.centroid(["s0", "s2"]) == pytest.approx([0.0, 0.0])


@pytest.mark.parametrize("offset", [0.0, 0.4])
def test_sectors_are_unbroken_arcs_of_equal_stop_count(offset):
    """24 stops on a ring in 4 parts: each part is 6 neighbouring stops, each stop once."""
    problem = Problem(vehicles=[van("v")], stops=ring(24))
    groups = units(problem)
    runs = sectors(groups, Layout.of(problem), 4, offset)
    assert len(runs) == 4
    assert sorted(i for run in runs for i in run) == list(range(24))
    for run in runs:
        positions = {int(groups[i][0][1:]) for i in run}
        assert len(positions) == 6
        assert sum(1 for k in positions if (k + 1) % 24 not in positions) == 1, positions


def test_sector_borders_move_with_the_offset():
    problem = Problem(vehicles=[van("v")], stops=ring(24))
    groups, layout = units(problem), Layout.of(problem)
    plain = {frozenset(run) for run in sectors(groups, layout, 4)}
    moved = {frozenset(run) for run in sectors(groups, layout, 4, 0.5)}
    assert plain.isdisjoint(moved)


def test_sectors_balance_stop_counts_with_pairs_weighing_two():
    """Units of two stops count double: parts differ by at most a pair from the mean."""
    stops = ring(30)
    kinds = {f"s{k}": StopKind.PICKUP if k % 3 == 0 else StopKind.DELIVERY
             for k in range(30) if k % 3 != 2}
    stops = [Stop(s.id, s.location, kind=kinds.get(s.id, StopKind.DELIVERY)) for s in stops]
    pairs = [Pair(f"s{k}", f"s{k + 1}") for k in range(0, 30, 3)]
    problem = Problem(vehicles=[van("v")], stops=stops, pairs=pairs)
    groups = units(problem)
    assert len(groups) == 20
    runs = sectors(groups, Layout.of(problem), 3, 0.2)
    assert sorted(i for run in runs for i in run) == list(range(20))
    for run in runs:
        assert abs(sum(len(groups[i]) for i in run) - 10) <= 2


def test_no_groups_no_sectors():
    problem = Problem(vehicles=[van("v")], stops=ring(3))
    assert sectors([], Layout.of(problem), 3) == []


def test_vehicles_are_shared_in_proportion_to_stops_each_vehicle_once():
    """Parts of 2, 4 and 6 stops share six vans as 1, 2 and 3."""
    stops = ring(12)
    problem = Problem(vehicles=[van(f"v{i}") for i in range(6)], stops=stops)
    parts = [[s.id for s in stops[:2]], [s.id for s in stops[2:6]], [s.id for s in stops[6:]]]
    shared = share_vehicles(problem, parts, Layout.of(problem))
    assert [len(p) for p in shared] == [1, 2, 3]
    assert sorted(v for p in shared for v in p) == sorted(v.id for v in problem.vehicles)


def test_every_part_gets_a_vehicle_and_the_rounding_leftover_goes_to_the_largest_remainder():
    """Seven vans over 1, 5 and 6 stops: 1 (at least one), then 2.9 and 3.5 rounded to 3 and 3."""
    stops = ring(12)
    problem = Problem(vehicles=[van(f"v{i}") for i in range(7)], stops=stops)
    parts = [[stops[0].id], [s.id for s in stops[1:6]], [s.id for s in stops[6:]]]
    shared = share_vehicles(problem, parts, Layout.of(problem))
    assert [len(p) for p in shared] == [1, 3, 3]
    assert len({v for p in shared for v in p}) == 7


def test_with_two_depots_far_apart_each_part_gets_its_own_depots_vans():
    """Sectors split the east and west clusters; vans go to the cluster by their depot."""
    west = [Stop(f"w{k}", PlanarPoint(-1000 + 30 * math.cos(k), 30 * math.sin(k)))
            for k in range(8)]
    east = [Stop(f"e{k}", PlanarPoint(1000 + 30 * math.cos(k), 30 * math.sin(k)))
            for k in range(8)]
    vans = [van("east-1", 1000), van("west-1", -1000), van("east-2", 1000),
            van("west-2", -1000), van("west-3", -1000), van("east-3", 1000)]
    problem = Problem(vehicles=vans, stops=west + east)
    layout = Layout.of(problem)
    groups = units(problem)
    parts = [[s for i in run for s in groups[i]] for run in sectors(groups, layout, 2)]
    assert sorted("".join(sorted({s[0] for s in part})) for part in parts) == ["e", "w"]
    shared = share_vehicles(problem, parts, layout)
    for part, vehicles in zip(parts, shared, strict=True):
        assert len(vehicles) == 3
        assert {v.split("-")[0][0] for v in vehicles} == {part[0][0]}


def test_lopsided_parts_still_get_a_vehicle_each():
    """Five vans over parts of 1, 1 and 10 stops: quotas 1, 1, 3 (not 1, 1, 4)."""
    big = [Stop(f"c{k}", PlanarPoint(0, 100 + k)) for k in range(10)]
    stops = [Stop("a", PlanarPoint(100, 0)), Stop("b", PlanarPoint(-100, 0)), *big]
    problem = Problem(vehicles=[van(f"v{i}", 0, 100) for i in range(5)], stops=stops)
    parts = [["a"], ["b"], [s.id for s in big]]
    shared = share_vehicles(problem, parts, Layout.of(problem))
    assert sorted(v for p in shared for v in p) == [f"v{i}" for i in range(5)]
    assert [len(p) for p in shared] == [1, 1, 3]


def test_vehicles_go_to_the_nearest_part_with_room():
    """Each van's part is the closest one to its start among those not yet full."""
    stops = ring(8)
    vans = [van("north", 0, 90), van("south", 0, -90)]
    problem = Problem(vehicles=vans, stops=stops)
    north = [s.id for s in stops if s.location.y > 1]
    south = [s.id for s in stops if s.location.y < -1]
    shared = share_vehicles(problem, [south, north], Layout.of(problem))
    assert shared == [["south"], ["north"]]
