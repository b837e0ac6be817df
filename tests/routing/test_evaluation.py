"""Plan mode: fixed routes are timed by hand-checkable arithmetic and violations listed."""

import pytest

from dispatch.routing import (
    Pair,
    PlanarPoint,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
    evaluate,
)

DEPOT = PlanarPoint(0, 0)


def van(**kw):
    kw.setdefault("shift", TimeWindow(0, 1000))
    return Vehicle("van-1", DEPOT, capacity={"kg": 10}, **kw)


def stop(stop_id, x, **kw):
    return Stop(stop_id, PlanarPoint(x, 0), **kw)


def test_etas_follow_travel_waiting_and_service():
    """Arrival = departure + distance; service waits for the window; departure adds service."""
    problem = Problem(vehicles=[van()], stops=[
        stop("a", 10, service_time=5, windows=[TimeWindow(0, 100)]),
        stop("b", 30, service_time=5, windows=[TimeWindow(50, 100)])])
    route = evaluate(problem, {"van-1": ["a", "b"]}).routes[0]
    a, b = route.visits
    # Leaves late enough to meet b's window without waiting: b opens at 50, and a-to-b
    # takes 5 (service) + 20 (drive), so a starts at 25, after leaving at 15.
    assert route.start_time == pytest.approx(15)
    assert (a.arrival, a.start, a.departure) == pytest.approx((25, 25, 30))
    assert (b.arrival, b.start, b.waiting) == pytest.approx((50, 50, 0))
    assert route.end_time == pytest.approx(55 + 30)
    assert route.distance == pytest.approx(60)
    assert b.distance == pytest.approx(30)


def test_late_arrival_is_a_window_violation_with_its_lateness():
    """Arriving after the window closes is reported with how late it is."""
    problem = Problem(vehicles=[van()], stops=[stop("far", 100, windows=[TimeWindow(0, 60)])])
    solution = evaluate(problem, {"van-1": ["far"]})
    (violation,) = solution.violations
    assert violation.kind == "window" and violation.stop_id == "far"
    assert violation.amount == pytest.approx(40)
    assert solution.routes[0].visits[0].lateness == pytest.approx(40)


def test_overload_and_shift_overrun_are_reported():
    """Deliveries heavier than the van and a return after the shift are both listed."""
    problem = Problem(vehicles=[van(shift=TimeWindow(0, 100))], stops=[
        stop("a", 50, demand={"kg": 6}), stop("b", 60, demand={"kg": 6})])
    kinds = {v.kind for v in evaluate(problem, {"van-1": ["a", "b"]}).violations}
    assert kinds == {"capacity", "shift"}


def test_delivery_before_its_pickup_is_reported():
    """A pair served in the wrong order is a pair violation."""
    problem = Problem(vehicles=[van()], stops=[
        stop("pick", 5, kind=StopKind.PICKUP, demand={"kg": 1}),
        stop("drop", 10, demand={"kg": 1})], pairs=[Pair("pick", "drop")])
    kinds = [v.kind for v in evaluate(problem, {"van-1": ["drop", "pick"]}).violations]
    assert "pair" in kinds
    assert evaluate(problem, {"van-1": ["pick", "drop"]}).violations == ()


def test_mid_route_vehicle_starts_from_its_position_and_time():
    """A van already out starts at its current position and time (the ETA engine's case)."""
    problem = Problem(vehicles=[Vehicle("van-1", PlanarPoint(40, 0), TimeWindow(0, 1000),
                                        end=DEPOT, available_from=300)],
                      stops=[stop("next", 50)])
    visit = evaluate(problem, {"van-1": ["next"]}).routes[0].visits[0]
    assert visit.arrival == pytest.approx(310)


def test_stops_in_no_route_are_unassigned_and_bad_ids_refused():
    """Unplanned stops are listed; unknown or repeated ids raise ValueError."""
    problem = Problem(vehicles=[van()], stops=[stop("a", 1), stop("b", 2)])
    assert [u.stop_id for u in evaluate(problem, {"van-1": ["a"]}).unassigned] == ["b"]
    with pytest.raises(ValueError, match="unknown stop 'zzz'"):
        evaluate(problem, {"van-1": ["zzz"]})
    with pytest.raises(ValueError, match="appears twice"):
        evaluate(problem, {"van-1": ["a", "a"]})
    with pytest.raises(ValueError, match="unknown vehicle"):
        evaluate(problem, {"truck-9": ["a"]})
