"""What a planning worker solves: parcels already in a van stay on it, even late."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dispatch.planning.problem_builder import PlanInputs, StopInput
from dispatch.planning.solving import solve_inputs
from dispatch.routing import Solution, SolveParams
from tests.planning.test_problem_builder import ORIGIN, van

MINUTE = timedelta(minutes=1)


def on_board(stop_id: str, where) -> StopInput:
    """Out for delivery on driver 1's van, due to start within 10 minutes, 10 minutes at the door."""
    return StopInput(id=stop_id, kind="delivery", warehouse_id=1, lat=where[0], lon=where[1],
                     window_start=ORIGIN, window_end=ORIGIN + 10 * MINUTE, weight_g=100,
                     volume_ml=100, service_seconds=600, driver_id=1, dispatched=True)


def test_parcels_on_board_that_cannot_all_be_on_time_are_served_late_not_dropped():
    """Two stops both due in 10 minutes with 10 minutes of service each: one must be late.
    The first search drops it; the worker opens its window and searches again."""
    inputs = PlanInputs(origin=ORIGIN, vehicles=(van(1, position=(43.7390, 7.4250)),),
                        stops=(on_board("order:1", (43.7396, 7.4276)),
                               on_board("order:2", (43.7405, 7.4290))))
    solved, data = solve_inputs(inputs, SolveParams(time_limit=2, solution_limit=30))
    solution = Solution.from_dict(data)
    assert solution.unassigned == ()
    assert sorted(v.stop_id for v in solution.route_of("driver:1").visits) == ["order:1",
                                                                                 "order:2"]
    assert len(solved.open_windows) == 1 and solved.open_windows <= {"order:1", "order:2"}


def test_nothing_is_reopened_when_every_window_can_be_kept():
    inputs = PlanInputs(origin=ORIGIN, vehicles=(van(1, position=(43.7390, 7.4250)),),
                        stops=(on_board("order:1", (43.7396, 7.4276)),))
    solved, data = solve_inputs(inputs, SolveParams(time_limit=2, solution_limit=30))
    assert solved.open_windows == frozenset() and Solution.from_dict(data).unassigned == ()


def test_a_driver_whose_shift_ends_finishes_the_parcels_on_board():
    """The van's shift ends in 5 minutes with 10 minutes of work on board: the driver is
    planned to work over rather than the parcel being dropped (and the plan refused)."""
    ending = replace(van(1, position=(43.7390, 7.4250)), shift_end=ORIGIN + 5 * MINUTE)
    late = replace(on_board("order:1", (43.7396, 7.4276)), window_end=ORIGIN + 60 * MINUTE)
    inputs = PlanInputs(origin=ORIGIN, vehicles=(ending,), stops=(late,))
    solved, data = solve_inputs(inputs, SolveParams(time_limit=2, solution_limit=30))
    assert Solution.from_dict(data).unassigned == () and solved.overtime == {1}

