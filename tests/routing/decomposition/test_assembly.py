"""The plan a decomposition builds: parts taken when better, and put back in fleet order."""

import pytest

from dispatch.routing import PlanarPoint, Problem, Stop, TimeWindow, Vehicle, evaluate
from dispatch.routing.decomposition.assembly import Assembly
from dispatch.routing.decomposition.parts import restrict

SHIFT = TimeWindow(0, 100_000)
X_STOPS, X_VANS = ["a", "b", "c", "e"], ["v1", "v2"]
Y_STOPS, Y_VANS = ["y1", "y2"], ["v3"]


def whole(**optional_e):
    """Part X: a square a-b-c next to v1's depot, e next to v2's; part Y around v3.

    ``cost_per_km`` 1000 makes a route's cost its planar distance.
    """
    vans = [Vehicle("v1", PlanarPoint(0, 0), SHIFT, cost_per_km=1000),
            Vehicle("v2", PlanarPoint(100, 0), SHIFT, cost_per_km=1000),
            Vehicle("v3", PlanarPoint(0, 100), SHIFT, cost_per_km=1000)]
    stops = [Stop("y2", PlanarPoint(10, 100)), Stop("a", PlanarPoint(10, 0)),
             Stop("b", PlanarPoint(10, 10)), Stop("c", PlanarPoint(0, 10)),
             Stop("e", PlanarPoint(90, 0), **optional_e), Stop("y1", PlanarPoint(0, 90))]
    return Problem(vehicles=vans, stops=stops, name="whole")


def part_solution(problem, stop_ids, vehicle_ids, plan):
    """Routes timed on the part as a problem of its own: what a part's solve returns."""
    return evaluate(restrict(problem, stop_ids, vehicle_ids, "part"), plan)


GOOD = {"v1": ["a", "b", "c"], "v2": ["e"]}         # 2 vans, 40 + 20 = 60
LONGER = {"v1": ["a", "c", "b"], "v2": ["e"]}       # 2 vans, 68.3
ONE_VAN = {"v1": ["a", "b", "c", "e"]}              # 1 van, about 210.6
E_LEFT_OUT = {"v1": ["a", "b", "c"]}                # 1 van, 40, e unassigned


def start(objective, plan, problem=None):
    problem = problem or whole()
    assembly = Assembly(problem, objective)
    first = part_solution(problem, X_STOPS, X_VANS, plan)
    assert assembly.offer(X_STOPS, X_VANS, first, first=True)
    return assembly


def snapshot(assembly):
    return dict(assembly.routes), dict(assembly.unassigned), list(assembly.violations)


def offer(assembly, plan):
    return assembly.offer(X_STOPS, X_VANS,
                          part_solution(assembly.problem, X_STOPS, X_VANS, plan))


def test_the_first_solution_of_a_part_is_taken_as_it_is():
    """Even with a required stop left out, the first plan of a part is the plan."""
    assembly = start("hierarchical", E_LEFT_OUT)
    assert list(assembly.routes) == ["v1"]
    assert assembly.routes["v1"].stop_ids == ("a", "b", "c")
    assert list(assembly.unassigned) == ["e"]


@pytest.mark.parametrize(("objective", "current", "worse"), [
    ("hierarchical", GOOD, E_LEFT_OUT),    # a required stop out, though 1 van and shorter
    ("cost", GOOD, E_LEFT_OUT),
    ("hierarchical", ONE_VAN, GOOD),       # more vans, though shorter
    ("hierarchical", GOOD, LONGER),        # same vans, longer
    ("hierarchical", GOOD, GOOD),          # no better is not better
    ("cost", GOOD, ONE_VAN),               # fewer vans, but costlier
    ("cost", GOOD, LONGER),
])
def test_a_worse_offer_is_refused_and_changes_nothing(objective, current, worse):
    assembly = start(objective, current)
    before = snapshot(assembly)
    assert not offer(assembly, worse)
    after = snapshot(assembly)
    assert after == before
    assert all(after[0][v] is before[0][v] for v in before[0])


@pytest.mark.parametrize(("objective", "current", "better"), [
    ("hierarchical", E_LEFT_OUT, GOOD),    # every required stop served
    ("hierarchical", GOOD, ONE_VAN),       # one van fewer, however long
    ("hierarchical", LONGER, GOOD),        # same vans, shorter
    ("cost", ONE_VAN, GOOD),               # cheaper with a van more
])
def test_a_better_offer_replaces_the_parts_routes(objective, current, better):
    assembly = start(objective, current)
    assert offer(assembly, better)
    assert {v: list(r.stop_ids) for v, r in assembly.routes.items()} == better
    assert not assembly.unassigned


def test_cost_weighs_a_left_out_optional_stop_at_its_drop_penalty():
    """Leaving e out saves 20 of route; it pays only when its penalty is below that."""
    cheap = start("cost", GOOD, whole(required=False, drop_penalty=5))
    assert offer(cheap, E_LEFT_OUT)
    assert list(cheap.unassigned) == ["e"] and "v2" not in cheap.routes
    dear = start("cost", GOOD, whole(required=False, drop_penalty=50))
    assert not offer(dear, E_LEFT_OUT)


def test_hierarchical_ignores_optional_stops_left_out():
    """An optional stop left out costs nothing there: one van fewer wins."""
    assembly = start("hierarchical", GOOD, whole(required=False, drop_penalty=10**6))
    assert offer(assembly, E_LEFT_OUT)


def test_a_part_replaced_leaves_the_other_parts_alone():
    """X gains a van and loses its unassigned stop; Y's route and unassigned stay as they were."""
    problem = whole()
    assembly = start("hierarchical", E_LEFT_OUT, problem)
    y = part_solution(problem, Y_STOPS, Y_VANS, {"v3": ["y1"]})
    assert assembly.offer(Y_STOPS, Y_VANS, y, first=True)
    y_route, y_left = assembly.routes["v3"], assembly.unassigned["y2"]
    assert offer(assembly, GOOD)
    assert assembly.routes["v3"] is y_route and assembly.unassigned == {"y2": y_left}
    assert assembly.routes["v2"].stop_ids == ("e",)
    assert offer(assembly, ONE_VAN)
    assert sorted(assembly.routes) == ["v1", "v3"]  # v2's old route is gone


def test_solution_lists_routes_in_fleet_order_and_unassigned_in_stop_order():
    problem = whole()
    assembly = Assembly(problem, "hierarchical")
    assembly.offer(Y_STOPS, Y_VANS, part_solution(problem, Y_STOPS, Y_VANS, {}), first=True)
    assembly.offer(X_STOPS, X_VANS,
                   part_solution(problem, X_STOPS, X_VANS, {"v2": ["e"], "v1": ["a"]}),
                   first=True)
    assembly.offer(Y_STOPS, Y_VANS,
                   part_solution(problem, Y_STOPS, Y_VANS, {"v3": ["y1"]}))
    solution = assembly.solution({"strategy": "decomposition"})
    assert [r.vehicle_id for r in solution.routes] == ["v1", "v2", "v3"]
    assert [u.stop_id for u in solution.unassigned] == ["y2", "b", "c"]
    assert solution.objective == pytest.approx(20 + 20 + 20)
    assert solution.stats == {"strategy": "decomposition"}
    replay = evaluate(problem, {r.vehicle_id: list(r.stop_ids) for r in solution.routes})
    assert solution.distance == pytest.approx(replay.distance)


def test_violations_of_replaced_routes_do_not_survive():
    """v1's shift ends at 45: the longer tour breaks it, the shorter one does not."""
    base = whole()
    tight = Vehicle("v1", PlanarPoint(0, 0), TimeWindow(0, 45), cost_per_km=1000)
    problem = Problem(vehicles=(tight, *base.vehicles[1:]), stops=base.stops)
    assembly = start("hierarchical", LONGER, problem)
    assert [v.kind for v in assembly.solution({}).violations] == ["shift"]
    assert offer(assembly, GOOD)
    assert assembly.solution({}).violations == ()
