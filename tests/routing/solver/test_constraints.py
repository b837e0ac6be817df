"""Every constraint holds in solver output: plan mode finds no violation, and the property
itself is asserted directly on the routes."""

from __future__ import annotations

import pytest

from dispatch.routing import Break, Pair, Problem, SolveParams, StopKind, TimeWindow, evaluate

from .helpers import (
    FAST,
    all_served,
    at,
    dist,
    loads_along,
    order,
    plan_of,
    solve_checked,
    van,
    within_capacity,
)


def test_time_windows_hold_at_every_visit():
    """Service at each stop starts inside one of its windows, even when the windows run
    against the geographic order."""
    stops = [
        order("order-1", 300, windows=(TimeWindow(300, 400),)),
        order("order-2", 200, windows=(TimeWindow(500, 600),)),
        order("order-3", 100, windows=(TimeWindow(700, 800),)),
        order("order-4", -100, windows=(TimeWindow(50, 250),)),
        order("order-5", -200, 50, windows=(TimeWindow(400, 500),)),
        order("order-6", 0, 150, windows=(TimeWindow(0, 2000),)),
    ]
    problem = Problem([van("van-1"), van("van-2")], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    for route in solution.routes:
        for visit in route.visits:
            windows = problem.stop(visit.stop_id).windows
            assert any(w.start - 1e-6 <= visit.start <= w.end + 1e-6 for w in windows), visit
            assert visit.start >= visit.arrival - 1e-6


def test_second_window_is_used_when_the_first_is_unreachable():
    """A stop 100 s away whose first window closes at 50 s is served in its second window."""
    stops = [
        order("order-7", 100, windows=(TimeWindow(0, 50), TimeWindow(300, 400))),
        order("order-8", 50, 50),
        order("order-9", -50, 20),
        order("order-10", 20, -60),
        order("order-11", 120, 30),
    ]
    problem = Problem([van("van-1")], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    visit = next(v for v in solution.routes[0].visits if v.stop_id == "order-7")
    assert 300 - 1e-6 <= visit.start <= 400 + 1e-6


def test_shift_end_is_respected():
    """With a 200 s shift, stops 120 s apart go to two vans that are both back in time."""
    stops = [
        order("order-1", 60), order("order-2", 60, 5), order("order-3", 62, -5),
        order("order-4", -60), order("order-5", -60, 5), order("order-6", -62, -5),
    ]
    shift = TimeWindow(0, 200)
    problem = Problem([van("van-1", shift=shift), van("van-2", shift=shift)], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert solution.vehicles_used == 2
    for route in solution.routes:
        assert route.end_time <= shift.end + 1e-6
        assert route.start_time >= shift.start - 1e-6


def test_two_capacity_dimensions_with_litres_binding():
    """Weight fits one van but volume does not: no route carries more than 20 litres or
    100 kg, and some route is full on litres."""
    stops = [order(f"order-{i}", 10 * i, 5 * (i % 3), demand={"kg": 10, "l": 5})
             for i in range(1, 9)]
    vans = [van(f"van-{k}", capacity={"kg": 100, "l": 20}) for k in (1, 2, 3)]
    problem = Problem(vans, stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert solution.vehicles_used >= 2
    litres = []
    for route in solution.routes:
        loads = loads_along(problem, route.stop_ids)
        assert within_capacity(problem.vehicle(route.vehicle_id), loads)
        litres.append(loads[0]["l"])
    assert max(litres) == pytest.approx(20)


def test_mixed_deliveries_and_pickups_never_overload():
    """A van leaving with 9 kg of deliveries may collect a 5 kg pickup only after it has
    dropped enough: the load stays within 10 kg at every point of the route."""
    stops = [
        order("order-1", 20, demand={"kg": 4}),
        order("order-2", 30, demand={"kg": 4}),
        order("order-3", 10, kind=StopKind.PICKUP, demand={"kg": 5}),
        order("order-4", 25, demand={"kg": 1}),
        order("order-5", 38, kind=StopKind.PICKUP, demand={"kg": 1}),
    ]
    vehicle = van("van-1", end=at(40), capacity={"kg": 10})
    problem = Problem([vehicle], stops)

    naive = ["order-3", "order-1", "order-4", "order-2", "order-5"]  # geographic order
    assert {v.kind for v in evaluate(problem, {"van-1": naive}).violations} == {"capacity"}

    solution = solve_checked(problem)
    assert all_served(problem, solution)
    route = solution.routes[0]
    loads = loads_along(problem, route.stop_ids)
    assert loads[0]["kg"] == pytest.approx(9)
    assert within_capacity(vehicle, loads)
    assert route.stop_ids.index("order-3") > 0
    assert [v.load["kg"] for v in route.visits] == pytest.approx([p["kg"] for p in loads[1:]])


def test_pickup_and_delivery_pairs_share_a_vehicle_pickup_first():
    """Each pair is served by one van, pickup before delivery, though every delivery lies
    nearer the depot than its pickup."""
    stops, pairs = [], []
    for k, (px, py, dx, dy) in enumerate(
            [(100, 0, 10, 0), (0, 100, 0, 10), (-100, 0, -10, 0), (80, 80, 8, 8)], start=1):
        stops.append(order(f"order-{k}p", px, py, kind=StopKind.PICKUP, demand={"kg": 6}))
        stops.append(order(f"order-{k}d", dx, dy, demand={"kg": 6}))
        pairs.append(Pair(f"order-{k}p", f"order-{k}d"))
    vans = [van("van-1", capacity={"kg": 10}), van("van-2", capacity={"kg": 10})]
    problem = Problem(vans, stops, pairs=pairs)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    where = {s: (r.vehicle_id, i) for r in solution.routes for i, s in enumerate(r.stop_ids)}
    for pair in pairs:
        (pv, pi), (dv, di) = where[pair.pickup], where[pair.delivery]
        assert pv == dv and pi < di, pair
    for route in solution.routes:
        assert within_capacity(problem.vehicle(route.vehicle_id),
                               loads_along(problem, route.stop_ids))


def test_skill_restricts_stops_to_the_equipped_vehicle():
    """Stops needing 'fridge' go to the refrigerated van, even though they sit next to the
    other van's depot."""
    stops = [
        order("order-1", 10, skills={"fridge"}),
        order("order-2", 0, 10, skills={"fridge"}),
        order("order-3", 5, 5),
        order("order-4", 95, 5),
        order("order-5", 105, -5),
        order("order-6", -10, 0),
    ]
    vans = [van("van-1"), van("van-cold", start=at(100), skills={"fridge"})]
    problem = Problem(vans, stops, skills=frozenset({"fridge"}))
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    cold = solution.route_of("van-cold")
    assert cold is not None and {"order-1", "order-2"} <= set(cold.stop_ids)
    plain = solution.route_of("van-1")
    assert plain is None or not {"order-1", "order-2"} & set(plain.stop_ids)


def test_max_stops_caps_each_route():
    """Six stops next to the depot and vans limited to two stops each: three routes of two."""
    stops = [order(f"order-{i}", 10 + i, i) for i in range(1, 7)]
    vans = [van(f"van-{k}", max_stops=2) for k in (1, 2, 3)]
    problem = Problem(vans, stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert sorted(len(r.visits) for r in solution.routes) == [2, 2, 2]


def test_max_distance_caps_each_route():
    """Two clusters on opposite sides of the depot cannot share a 150-unit route."""
    stops = [order("order-1", 50), order("order-2", 50, 10),
             order("order-3", -50), order("order-4", -50, 10), order("order-5", 45, -5)]
    vans = [van("van-1", max_distance=150), van("van-2", max_distance=150)]
    problem = Problem(vans, stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert solution.vehicles_used == 2
    assert all(r.distance <= 150 + 1e-6 for r in solution.routes)


def test_max_distance_is_not_exceeded_by_rounding():
    """A round trip of 2.0008 units is refused under max_distance=2 (no rounding it down)."""
    problem = Problem([van("van-1", max_distance=2.0)],
                      [order("order-1", 1.0004), order("order-2", 0.5)])
    solution = solve_checked(problem)
    assert [r.stop_ids for r in solution.routes] == [("order-2",)]
    assert all(r.distance <= 2.0 + 1e-9 for r in solution.routes)


def test_max_duration_caps_each_route():
    """Stops 100 s apart with 20 s service cannot share a 150 s route."""
    stops = [order("order-1", 50, service_time=20), order("order-2", -50, service_time=20),
             order("order-3", 48, 5, service_time=5), order("order-4", -48, -5, service_time=5),
             order("order-5", 0, 5)]
    vans = [van("van-1", max_duration=150), van("van-2", max_duration=150)]
    problem = Problem(vans, stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert solution.vehicles_used == 2
    assert all(r.duration <= 150 + 1e-6 for r in solution.routes)


def test_max_duration_counts_from_a_late_departure():
    """A route that must wait mid-way fits max_duration when the van leaves late: the
    reported schedule starts late enough not to break it."""
    stops = [order("order-1", 10, windows=(TimeWindow(0, 100),)),
             order("order-2", 20, windows=(TimeWindow(900, 1000),)),
             order("order-3", 15, 3), order("order-4", 5, -3), order("order-5", 25, 2)]
    problem = Problem([van("van-1", max_duration=850)], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    route = solution.routes[0]
    assert route.duration <= 850 + 1e-6
    assert route.start_time > 0


def test_break_is_taken_within_its_window():
    """A van busy from 0 to 400 s takes its 30 s break, starting between 100 and 200 s and
    overlapping no service."""
    brk = Break(TimeWindow(100, 200), 30)
    stops = [
        order("order-1", 50, service_time=10),
        order("order-2", 100, windows=(TimeWindow(300, 400),), service_time=10),
        order("order-3", 80, 20, service_time=10),
        order("order-4", 30, -20, windows=(TimeWindow(450, 600),)),
        order("order-5", 60, 30),
    ]
    problem = Problem([van("van-1", breaks=(brk,))], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    route = solution.routes[0]
    assert len(route.breaks) == 1
    taken = route.breaks[0]
    assert taken.end - taken.start == pytest.approx(30)
    assert 100 - 1e-6 <= taken.start <= 200 + 1e-6
    for visit in route.visits:
        assert taken.end <= visit.start + 1e-6 or taken.start >= visit.departure - 1e-6


def test_break_before_a_long_service_is_not_pushed_past_its_window():
    """When the next stop's service would run past the break window, the break is taken on
    the way there rather than reported late."""
    brk = Break(TimeWindow(100, 150), 60)
    stops = [order("order-1", 80, windows=(TimeWindow(0, 1000),), service_time=100),
             order("order-2", 80, 10, service_time=10),
             order("order-3", 70, -10, service_time=10),
             order("order-4", 60, 20), order("order-5", 90, 5)]
    problem = Problem([van("van-1", breaks=(brk,))], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    (taken,) = solution.routes[0].breaks
    assert 100 - 1e-6 <= taken.start <= 150 + 1e-6


def test_slower_vehicle_gets_later_etas_on_the_same_route():
    """The same forced route driven at half speed arrives twice as late at every stop."""
    stops = [order(f"order-{k}", 10 * k) for k in range(1, 6)]
    arrivals = {}
    for factor in (1.0, 0.5):
        problem = Problem([van("van-1", end=at(60), speed_factor=factor)], stops)
        route = solve_checked(problem).routes[0]
        assert route.stop_ids == tuple(s.id for s in stops)
        arrivals[factor] = [v.arrival - route.start_time for v in route.visits]
    assert arrivals[0.5] == pytest.approx([2 * a for a in arrivals[1.0]])
    assert all(slow > fast for slow, fast in zip(arrivals[0.5], arrivals[1.0], strict=True))


def test_slow_vehicle_cannot_take_a_stop_only_fast_driving_reaches():
    """A stop 100 s away that closes at 150 s goes to the full-speed van, though that van
    can take only two stops."""
    stops = [order("order-1", 100, windows=(TimeWindow(0, 150),)),
             order("order-2", -100, 5), order("order-3", -95, -5),
             order("order-4", -90, 0), order("order-5", 0, 30)]
    vans = [van("van-slow", speed_factor=0.5), van("van-fast", max_stops=2)]
    problem = Problem(vans, stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    assert "order-1" in solution.route_of("van-fast").stop_ids


def test_vehicle_ending_elsewhere_drives_to_its_end():
    """A van starting at 0 and ending at x=100 is timed and measured to its end location."""
    stops = [order("order-1", 20, 5), order("order-2", 40, -5), order("order-3", 60, 5),
             order("order-4", 80, -5), order("order-5", 50, 10)]
    end = at(100)
    problem = Problem([van("van-1", end=end)], stops)
    solution = solve_checked(problem)
    assert all_served(problem, solution)
    route = solution.routes[0]
    last = problem.stop(route.stop_ids[-1]).location
    assert route.distance == pytest.approx(route.visits[-1].distance + dist(last, end))
    assert route.end_time == pytest.approx(route.visits[-1].departure + dist(last, end))
    assert route.stop_ids[-1] == "order-4"


def _two_depots(fixed_cost: float) -> Problem:
    stops = [order("order-1", 5, 5), order("order-2", 10, -5), order("order-3", -5, 8),
             order("order-4", 105, 5), order("order-5", 95, -5), order("order-6", 100, 10)]
    vans = [van("van-1", fixed_cost=fixed_cost), van("van-2", start=at(100),
                                                     fixed_cost=fixed_cost)]
    return Problem(vans, stops)


@pytest.mark.parametrize("fixed_cost, vehicles", [(0.0, 2), (10.0, 1)])
def test_fixed_cost_makes_cost_objective_use_fewer_vehicles(fixed_cost, vehicles):
    """Two depots 100 apart: free vans each serve their own cluster; a fixed cost of 10 per
    van makes one van serve both."""
    problem = _two_depots(fixed_cost)
    solution = solve_checked(problem, FAST.with_(objective="cost"))
    assert all_served(problem, solution)
    assert solution.vehicles_used == vehicles


def test_plan_mode_replay_matches_the_solution():
    """The solution's own timings are exactly what plan mode computes for its routes."""
    problem = _two_depots(0.0)
    solution = solve_checked(problem, SolveParams(time_limit=1, solution_limit=30, workers=1))
    assert evaluate(problem, plan_of(solution)).routes == solution.routes
