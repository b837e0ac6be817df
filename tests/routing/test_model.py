"""Problem-model validation: bad input is refused at construction, naming the field."""

import math

import numpy as np
import pytest

from dispatch.routing import (
    GeoPoint,
    Locks,
    Pair,
    PlanarPoint,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    TravelMatrix,
    Vehicle,
)

KITCHEN = GeoPoint(43.7384, 7.4246)
SHIFT = TimeWindow(0, 8 * 3600)


def van(vehicle_id="van-1", **kw):
    return Vehicle(vehicle_id, KITCHEN, SHIFT, capacity={"kg": 100}, **kw)


def order(stop_id="order-1", **kw):
    kw.setdefault("location", GeoPoint(43.74, 7.42))
    return Stop(stop_id, **kw)


def test_window_end_before_start_is_refused():
    """A window that closes before it opens names the window end."""
    with pytest.raises(ValueError, match="end .* before its start"):
        TimeWindow(100, 50)


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf)])
def test_out_of_range_or_nan_coordinates_are_refused(lat, lon):
    """Latitude/longitude outside WGS84 ranges or NaN raise ValueError."""
    with pytest.raises(ValueError, match="lat|lon"):
        GeoPoint(lat, lon)


def test_nan_planar_coordinate_is_refused():
    """Planar points reject NaN too."""
    with pytest.raises(ValueError, match="x"):
        PlanarPoint(math.nan, 1)


def test_negative_demand_is_refused():
    """Demand below zero names the stop and dimension."""
    with pytest.raises(ValueError, match="order-1.*demand.kg"):
        order(demand={"kg": -1})


def test_negative_service_time_is_refused():
    """Service time below zero names the field."""
    with pytest.raises(ValueError, match="service_time"):
        order(service_time=-5)


def test_overlapping_windows_are_refused():
    """Two windows of one stop may not overlap."""
    with pytest.raises(ValueError, match="overlap"):
        order(windows=(TimeWindow(0, 100), TimeWindow(50, 200)))


def test_windows_are_sorted():
    """Windows given out of order come back sorted."""
    stop = order(windows=(TimeWindow(500, 600), TimeWindow(0, 100)))
    assert [w.start for w in stop.windows] == [0, 500]


def test_duplicate_stop_ids_are_refused():
    """Two stops with one id are refused."""
    with pytest.raises(ValueError, match="duplicate id 'order-1'"):
        Problem(vehicles=[van()], stops=[order(), order()])


def test_duplicate_vehicle_ids_are_refused():
    """Two vehicles with one id are refused."""
    with pytest.raises(ValueError, match="duplicate id 'van-1'"):
        Problem(vehicles=[van(), van()], stops=[])


def test_unknown_skill_is_refused_when_skills_are_declared():
    """With a declared skill list, a stop asking for another skill is refused."""
    with pytest.raises(ValueError, match="unknown skill 'frozen'"):
        Problem(vehicles=[van(skills={"fridge"})], stops=[order(skills={"frozen"})],
                skills={"fridge"})


def test_demand_in_a_dimension_no_vehicle_has_is_refused():
    """A stop demanding litres when vehicles only carry kg is refused."""
    with pytest.raises(ValueError, match="dimension 'litres'"):
        Problem(vehicles=[van()], stops=[order(demand={"litres": 3})])


def test_pair_with_the_same_stop_twice_is_refused():
    """A pickup-and-delivery pair must name two stops."""
    with pytest.raises(ValueError, match="same stop"):
        Pair("order-1", "order-1")


def test_pair_kinds_are_checked():
    """The pickup half must be a pickup stop."""
    stops = [order("a"), order("b")]
    with pytest.raises(ValueError, match="pickup 'a' must have kind 'pickup'"):
        Problem(vehicles=[van()], stops=stops, pairs=[Pair("a", "b")])


def test_a_valid_pair_is_accepted():
    """A pickup and delivery with equal demand form a valid pair."""
    stops = [order("a", kind=StopKind.PICKUP, demand={"kg": 2}), order("b", demand={"kg": 2})]
    problem = Problem(vehicles=[van()], stops=stops, pairs=[Pair("a", "b")])
    assert problem.pair_of()["b"].pickup == "a"


def test_matrix_of_wrong_shape_is_refused():
    """A matrix must have one row per problem location."""
    matrix = TravelMatrix(np.zeros((3, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="expected 2x2"):
        Problem(vehicles=[van()], stops=[order()], matrix=matrix)


@pytest.mark.parametrize("bad", [np.array([[0, -1], [1, 0]]), np.array([[0, np.nan], [1, 0]]),
                                 np.zeros((2, 3))])
def test_bad_matrix_entries_are_refused(bad):
    """Negative, NaN and non-square matrices raise ValueError."""
    with pytest.raises(ValueError, match="matrix"):
        TravelMatrix(bad, np.zeros_like(bad))


def test_locks_must_name_known_stops_and_vehicles():
    """Pins and frozen prefixes naming unknown ids are refused."""
    with pytest.raises(ValueError, match="locks.pinned: unknown vehicle"):
        Problem(vehicles=[van()], stops=[order()], locks=Locks(pinned={"order-1": "van-9"}))
    with pytest.raises(ValueError, match="locks.frozen: unknown stop"):
        Problem(vehicles=[van()], stops=[order()], locks=Locks(frozen={"van-1": ("nope",)}))


def test_mixing_planar_and_geographic_points_is_refused():
    """One problem uses one kind of coordinates."""
    with pytest.raises(ValueError, match="cannot be mixed"):
        Problem(vehicles=[van()], stops=[order(location=PlanarPoint(1, 2))])


def test_vehicle_available_from_must_lie_in_shift():
    """A mid-route start time outside the shift is refused."""
    with pytest.raises(ValueError, match="available_from"):
        van(available_from=SHIFT.end + 1)


def test_problem_is_immutable():
    """A built problem cannot be changed."""
    problem = Problem(vehicles=[van()], stops=[order(demand={"kg": 1})])
    with pytest.raises(AttributeError):
        problem.name = "other"
    with pytest.raises(TypeError):
        problem.stops[0].demand["kg"] = 5


def test_locations_list_vehicle_places_then_stops():
    """Matrix rows: distinct vehicle start/end places first, then one per stop."""
    home = GeoPoint(43.75, 7.43)
    problem = Problem(vehicles=[van(), van("van-2", end=home)], stops=[order()])
    assert problem.locations == (KITCHEN, home, GeoPoint(43.74, 7.42))
    assert problem.vehicle_nodes("van-2") == (0, 1)
    assert problem.stop_node("order-1") == 2
