"""A part as a problem of its own: its stops, vehicles and pairs, and its own small matrix."""

import numpy as np
import pytest

from dispatch.routing import (
    Depot,
    EuclideanMatrix,
    GeoPoint,
    GreatCircleMatrix,
    Pair,
    PlanarPoint,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    TravelMatrix,
    Vehicle,
    evaluate,
)
from dispatch.routing.decomposition.parts import PartMatrices, restrict

SHIFT = TimeWindow(0, 100_000)
A, B, C = PlanarPoint(0, 0), PlanarPoint(50, 0), PlanarPoint(0, 80)


def whole_problem(matrix=None):
    """v1 runs A to B, v2 starts and ends at A (shared with v1), v3 at C; six stops."""
    vehicles = [Vehicle("v1", A, SHIFT, end=B), Vehicle("v2", A, SHIFT),
                Vehicle("v3", C, SHIFT)]
    stops = [Stop(f"s{k}", PlanarPoint(10 * k + 3, 7 * k - 5)) for k in range(4)]
    stops += [Stop("p", PlanarPoint(20, 20), kind=StopKind.PICKUP),
              Stop("d", PlanarPoint(30, 25), kind=StopKind.DELIVERY)]
    return Problem(vehicles=vehicles, stops=stops, pairs=[Pair("p", "d")],
                   depots=[Depot("hub", A)], skills=frozenset({"cold"}), matrix=matrix,
                   name="whole")


def asymmetric_matrix(size, seed=1):
    """Distinct entries everywhere, and i->j differs from j->i: no mix-up goes unseen."""
    rng = np.random.default_rng(seed)
    distance = rng.uniform(1, 1000, (size, size))
    np.fill_diagonal(distance, 0)
    return TravelMatrix(distance, distance * 1.7 + 3)


def nodes(problem):
    """Every place of a problem by name: each vehicle's start and end, each stop."""
    named = {}
    for v in problem.vehicles:
        named[("start", v.id)], named[("end", v.id)] = problem.vehicle_nodes(v.id)
    named.update({("stop", s.id): problem.stop_node(s.id) for s in problem.stops})
    return named


def test_restrict_keeps_named_stops_and_vehicles_and_whole_pairs_only():
    whole = whole_problem()
    part = restrict(whole, ["s3", "p", "s1"], ["v3", "v1"], "part-7")
    assert [s.id for s in part.stops] == ["s1", "s3", "p"]
    assert [v.id for v in part.vehicles] == ["v1", "v3"]
    assert part.pairs == ()
    assert part.name == "part-7"
    assert part.depots == whole.depots and part.skills == whole.skills
    both = restrict(whole, ["d", "p"], ["v2"], "pair")
    assert both.pairs == (Pair("p", "d"),)
    assert part.stop("s1") is whole.stop("s1")


@pytest.mark.parametrize(("stop_ids", "vehicle_ids"), [
    (["s0", "s2", "d", "p"], ["v1", "v2"]),   # different start and end; a shared depot
    (["s3", "s1"], ["v2", "v3"]),              # rows not a prefix of the whole's
    (["s1", "s2", "s3"], ["v1", "v2", "v3"]),
])
def test_part_matrix_is_the_whole_matrix_cut_to_the_parts_places(stop_ids, vehicle_ids):
    """Entry for entry, from any place of the part to any other, as in the whole matrix."""
    whole = whole_problem()
    matrix = asymmetric_matrix(len(whole.locations))
    part = restrict(whole, stop_ids, vehicle_ids, "part")
    cut = PartMatrices.for_problem(whole, matrix).matrix(whole, part)
    assert cut.size == len(part.locations)
    in_part, in_whole = nodes(part), nodes(whole)
    for a in in_part:
        for b in in_part:
            i, j = in_part[a], in_part[b]
            w_i, w_j = in_whole[a], in_whole[b]
            assert cut.distance[i, j] == matrix.distance[w_i, w_j], (a, b)
            assert cut.duration[i, j] == matrix.duration[w_i, w_j], (a, b)


def test_routes_in_a_part_cost_what_they_cost_in_the_whole():
    """The cut matrix times a part's routes exactly as the whole matrix times them whole."""
    whole = whole_problem()
    matrix = asymmetric_matrix(len(whole.locations), seed=4)
    part = restrict(whole, ["s0", "s2", "p", "d"], ["v1", "v2"], "part")
    plan = {"v1": ["s2", "p", "d"], "v2": ["s0"]}
    in_part = evaluate(part, plan, PartMatrices(whole=matrix).matrix(whole, part))
    in_whole = evaluate(whole, plan, matrix)
    for route in in_part.routes:
        other = in_whole.route_of(route.vehicle_id)
        assert route.distance == pytest.approx(other.distance)
        assert route.end_time == pytest.approx(other.end_time)


def test_the_problems_own_matrix_is_cut_when_none_is_given():
    matrix = asymmetric_matrix(9)
    whole = whole_problem(matrix)
    matrices = PartMatrices.for_problem(whole, None)
    assert matrices.whole is matrix and matrices.provider is None
    part = restrict(whole, ["s2"], ["v3"], "part")
    cut = matrices.matrix(whole, part)
    row = [whole.vehicle_nodes("v3")[0], whole.stop_node("s2")]
    assert cut.distance.tolist() == matrix.distance[np.ix_(row, row)].tolist()


def test_default_provider_follows_the_kind_of_points():
    planar = PartMatrices.for_problem(whole_problem(), None)
    assert planar.whole is None and isinstance(planar.provider, EuclideanMatrix)
    geo = Problem(vehicles=[Vehicle("v", GeoPoint(43.7, 7.4), SHIFT)],
                  stops=[Stop("s", GeoPoint(43.71, 7.42))])
    assert isinstance(PartMatrices.for_problem(geo, None).provider, GreatCircleMatrix)


class RecordingProvider:
    """Euclidean distances, remembering every list of locations it was asked about."""

    def __init__(self):
        self.asked = []

    def matrix(self, locations):
        self.asked.append(list(locations))
        return EuclideanMatrix(speed=2.0).matrix(locations)


def test_a_provider_is_asked_only_for_the_parts_own_locations():
    """A part of 3 stops and 2 vans on a 40-stop problem asks for a 5-place matrix."""
    stops = [Stop(f"s{k}", PlanarPoint(k, k % 7)) for k in range(40)]
    whole = Problem(vehicles=[Vehicle(f"v{k}", PlanarPoint(k, -k), SHIFT) for k in range(6)],
                    stops=stops)
    provider = RecordingProvider()
    matrices = PartMatrices.for_problem(whole, provider)
    assert matrices.provider is provider and matrices.whole is None
    assert provider.asked == []  # nothing is computed for the whole problem
    part = restrict(whole, ["s30", "s2", "s17"], ["v4", "v1"], "part")
    matrix = matrices.matrix(whole, part)
    assert [len(asked) for asked in provider.asked] == [5]
    assert provider.asked[0] == list(part.locations)
    expected = EuclideanMatrix(speed=2.0).matrix(part.locations)
    assert np.array_equal(matrix.distance, expected.distance)
    assert np.array_equal(matrix.duration, expected.duration)
    i, j = part.vehicle_nodes("v4")[0], part.stop_node("s17")
    assert matrix.distance[i, j] == pytest.approx(np.hypot(17 - 4, 3 + 4))
