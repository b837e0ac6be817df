"""A plan's inputs survive JSON unchanged, so its stored map is the problem it solved."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from dispatch.planning.inputs_codec import inputs_from_dict, inputs_to_dict
from dispatch.planning.problem_builder import PlanInputs, StopInput, VehicleInput, Weights

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_inputs_round_trip_through_json():
    inputs = PlanInputs(
        origin=T0,
        vehicles=(VehicleInput(driver_id=3, driver_name="Ana", shift_id=7, warehouse_id=1,
                               home=(43.73, 7.42), shift_start=T0,
                               shift_end=T0 + timedelta(hours=8), capacity_weight_g=50_000,
                               capacity_volume_ml=90_000, skills=frozenset({"refrigerated"}),
                               position=(43.74, 7.43)),),
        stops=(StopInput(id="order:12", kind="delivery", warehouse_id=1, lat=43.74, lon=7.42,
                         window_start=T0, window_end=T0 + timedelta(hours=2), weight_g=800,
                         volume_ml=1500, service_seconds=180.0, skills=frozenset({"a", "b"}),
                         driver_id=3, dispatched=True, eta=T0 + timedelta(minutes=20)),
               StopInput(id="return:4", kind="pickup", warehouse_id=1, lat=43.73, lon=7.41,
                         window_start=T0, window_end=T0 + timedelta(hours=3), weight_g=100,
                         volume_ml=200, service_seconds=60.0)),
        weights=Weights(cost_per_km=2.0, cost_per_hour=10.0),
        allow_moving_dispatched=True,
        open_windows=frozenset({"order:12"}),
        overtime=frozenset({3}),
    )
    assert inputs_from_dict(json.loads(json.dumps(inputs_to_dict(inputs)))) == inputs
