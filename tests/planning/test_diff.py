"""A re-plan's diff against the routes it was built on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.planning.diff import plan_diff
from dispatch.planning.problem_builder import StopInput

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def stop(stop_id, driver_id=None, eta=None):
    return StopInput(id=stop_id, kind="pickup" if stop_id.startswith("return") else "delivery",
                     warehouse_id=1, lat=43.7, lon=7.4, window_start=T0,
                     window_end=T0 + 60 * MIN, weight_g=1, volume_ml=1, service_seconds=0,
                     driver_id=driver_id, eta=eta)


def route(driver_id, *stops):
    return {"driver_id": driver_id,
            "stops": [{("order_id" if k == "order" else "return_id"): n, "eta": eta.isoformat()}
                      for (k, n), eta in stops]}


def test_moves_eta_changes_additions_and_removals():
    before = (stop("order:1", 7, T0 + 10 * MIN), stop("order:2", 7, T0 + 20 * MIN),
              stop("order:3", 7, T0 + 30 * MIN), stop("return:4", 8, T0 + 5 * MIN),
              stop("order:5", 8, T0 + 40 * MIN), stop("order:6"))
    result = {"routes": [
        route(7, (("order", 1), T0 + 10 * MIN + 20 * timedelta(seconds=1)),
              (("order", 2), T0 + 35 * MIN), (("order", 6), T0 + 50 * MIN)),
        route(8, (("order", 3), T0 + 25 * MIN), (("return", 4), T0 + 5 * MIN)),
    ]}
    diff = plan_diff(before, result)
    assert diff["moved"] == [{"order_id": 3, "from_driver_id": 7, "to_driver_id": 8}]
    assert diff["eta_changes"] == [{"order_id": 2, "before": (T0 + 20 * MIN).isoformat(),
                                    "after": (T0 + 35 * MIN).isoformat(), "minutes": 15.0}]
    assert diff["added"] == [{"order_id": 6, "driver_id": 7}]
    assert diff["removed"] == [{"order_id": 5, "driver_id": 8}]


def test_unchanged_routes_give_an_empty_diff():
    before = (stop("order:1", 7, T0 + 10 * MIN),)
    diff = plan_diff(before, {"routes": [route(7, (("order", 1), T0 + 10 * MIN))]})
    assert diff == {"moved": [], "eta_changes": [], "added": [], "removed": []}
