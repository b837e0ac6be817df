"""Large problems solved in parts: every stop served as the whole problem's rules say,
parts solved side by side, no matrix larger than a part, and the whole solver kept for
what a split cannot honour."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.bench.checker import check_solution
from dispatch.bench.convert import to_problem
from dispatch.bench.generator import InstanceSpec, generate
from dispatch.routing import (
    GeoPoint,
    GreatCircleMatrix,
    Locks,
    Pair,
    PlanarPoint,
    Problem,
    SolveParams,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
    evaluate,
    solve,
)

SPLIT = {"decompose_from": 100, "part_size": 60}


class RecordingMatrix:
    """A real great-circle provider that remembers the size of every matrix asked of it."""

    def __init__(self) -> None:
        self.inner = GreatCircleMatrix()
        self.sizes: list[int] = []

    def matrix(self, locations):
        self.sizes.append(len(locations))
        return self.inner.matrix(locations)


def city_problem(stops: int = 240, vehicles: int = 30, seed: int = 1) -> Problem:
    rng = np.random.default_rng(seed)
    depot = GeoPoint(43.735, 7.42)
    shift = TimeWindow(8 * 3600, 20 * 3600)
    fleet = [Vehicle(f"van-{i}", depot, shift, capacity={"parcels": 12}) for i in range(vehicles)]
    points = depot.lat + rng.uniform(-0.04, 0.04, stops), depot.lon + rng.uniform(-0.05, 0.05, stops)
    opens = rng.integers(8, 16, stops) * 3600
    return Problem(fleet, [
        Stop(f"s{i}", GeoPoint(float(lat), float(lon)), windows=(TimeWindow(o, o + 4 * 3600),),
             service_time=120, demand={"parcels": 1})
        for i, (lat, lon, o) in enumerate(zip(*points, opens, strict=True))], name="city")


def test_a_generated_vrptw_is_served_in_parts_and_passes_the_independent_checker():
    instance = generate(InstanceSpec(300, "random", "tight", seed=3))
    solution = solve(to_problem(instance),
                     SolveParams(time_limit=6, objective="hierarchical", workers=2, **SPLIT))
    assert solution.stats["strategy"] == "decomposition"
    assert solution.stats["parts"] >= 4 and solution.stats["rounds"] >= 1
    assert 0 < solution.stats["first_solution_seconds"] < 3
    assert not solution.unassigned
    check = check_solution(instance, [[int(s) for s in r.stop_ids] for r in solution.routes])
    assert check.feasible, check.errors[:3]
    assert check.vehicles == solution.vehicles_used
    assert check.distance == pytest.approx(solution.distance)


def test_no_matrix_is_larger_than_a_part_and_the_routes_time_as_on_the_whole_matrix():
    problem = city_problem()
    provider = RecordingMatrix()
    # One worker, so the parts ask this process's provider.
    solution = solve(problem, SolveParams(time_limit=5, workers=1, **SPLIT), provider)
    assert solution.stats["strategy"] == "decomposition"
    assert len(solution.routes) > 1 and not solution.unassigned
    # Parts of about 60 stops plus a few vehicles: never the 241 x 241 of the whole.
    assert provider.sizes and max(provider.sizes) < 130
    plan = {r.vehicle_id: list(r.stop_ids) for r in solution.routes}
    again = evaluate(problem, plan, GreatCircleMatrix().matrix(problem.locations))
    assert again.feasible
    assert [v.arrival for r in again.routes for v in r.visits] == pytest.approx(
        [v.arrival for r in solution.routes for v in r.visits])
    assert again.distance == pytest.approx(solution.distance)


def test_pickups_and_their_deliveries_stay_on_one_vehicle_in_order():
    rng = np.random.default_rng(5)
    fleet = [Vehicle(f"v{i}", PlanarPoint(50, 50), TimeWindow(0, 2000), capacity={"q": 30})
             for i in range(20)]
    stops, pairs = [], []
    for i in range(75):
        (px, py), (dx, dy) = rng.uniform(0, 100, (2, 2))
        stops += [Stop(f"p{i}", PlanarPoint(px, py), StopKind.PICKUP, demand={"q": 5}),
                  Stop(f"d{i}", PlanarPoint(dx, dy), StopKind.DELIVERY, demand={"q": 5})]
        pairs.append(Pair(f"p{i}", f"d{i}"))
    problem = Problem(fleet, stops, pairs, name="pdp")
    solution = solve(problem, SolveParams(time_limit=5, workers=2, objective="hierarchical",
                                          **SPLIT))
    assert solution.stats["strategy"] == "decomposition" and not solution.unassigned
    plan = {r.vehicle_id: list(r.stop_ids) for r in solution.routes}
    assert evaluate(problem, plan).feasible
    for i in range(75):
        route = next(stops for stops in plan.values() if f"p{i}" in stops)
        assert route.index(f"p{i}") < route.index(f"d{i}")


def test_one_worker_solves_the_parts_one_after_the_other():
    problem = city_problem(stops=150, vehicles=20, seed=2)
    solution = solve(problem, SolveParams(time_limit=4, workers=1, **SPLIT))
    assert solution.stats["strategy"] == "decomposition" and solution.stats["workers"] == 1
    assert not solution.unassigned and evaluate(
        problem, {r.vehicle_id: list(r.stop_ids) for r in solution.routes}).feasible


@pytest.mark.parametrize("change", ["locks", "skills", "small", "off"])
def test_what_a_split_cannot_honour_is_solved_whole(change):
    problem = city_problem(stops=120, vehicles=15, seed=4)
    params = SolveParams(time_limit=1, workers=1, **SPLIT)
    if change == "locks":
        problem = Problem(problem.vehicles, problem.stops, locks=Locks(pinned={"s0": "van-3"}))
    elif change == "skills":
        stops = list(problem.stops)
        stops[0] = Stop("s0", stops[0].location, skills={"fridge"})
        vehicles = [Vehicle(v.id, v.start, v.shift, capacity=v.capacity,
                            skills={"fridge"} if v.id == "van-0" else set())
                    for v in problem.vehicles]
        problem = Problem(vehicles, stops, skills={"fridge"})
    elif change == "small":
        params = params.with_(decompose_from=121)
    else:
        params = params.with_(decompose_from=None)
    solution = solve(problem, params)
    assert solution.stats["strategy"] != "decomposition"
    assert len(solution.unassigned) + sum(len(r.visits) for r in solution.routes) == 120


def test_split_settings_are_checked():
    with pytest.raises(ValueError, match="decompose_from"):
        SolveParams(decompose_from=1)
    with pytest.raises(ValueError, match="part_size"):
        SolveParams(part_size=5)


def test_a_round_is_cut_to_the_time_left():
    from dispatch.routing.decomposition.decomposed import FLEET_ROUND, MIN_PART_SECONDS, _shape

    problem = city_problem(stops=240, vehicles=30)
    params = SolveParams(**SPLIT)  # 4 parts of about 60 stops
    full = _shape(problem, params, workers=2, remaining=60.0, number=FLEET_ROUND + 1)
    assert (full.parts, full.copies, full.fleet, full.max_tasks) == (4, 1, False, None)
    assert full.seconds == pytest.approx(60.0 / 2 / 3)  # two waves, a third of the time
    # Time for one wave of parts only: two parts (one per worker) get the minimum.
    short = _shape(problem, params, workers=2, remaining=MIN_PART_SECONDS + 1.0,
                   number=FLEET_ROUND + 1)
    assert (short.max_tasks, short.seconds) == (2, MIN_PART_SECONDS)
    assert _shape(problem, params, workers=2, remaining=MIN_PART_SECONDS,
                  number=FLEET_ROUND + 1) is None
    fleet = _shape(problem, params.with_(objective="hierarchical"), workers=2,
                   remaining=60.0, number=FLEET_ROUND)
    assert (fleet.parts, fleet.copies, fleet.fleet) == (1, 2, True)  # one part, two seeds
