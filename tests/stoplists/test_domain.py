"""Stop rules without a database: the state machine, event times, distances, ETA errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.errors import IllegalTransition, Invalid
from dispatch.stoplists.domain import (
    MAX_FUTURE_SKEW,
    StopKind,
    StopStatus,
    check_event_time,
    check_position,
    check_recipient,
    check_stop_transition,
    distance_from_stop,
    eta_error,
    position_is_current,
    route_finished,
)
from tests.support.world import CASINO, MONACO
from tests.test_boundaries import _loaded_after

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
S = StopStatus


@pytest.mark.parametrize(("current", "target"), [
    (S.PENDING, S.ARRIVED), (S.PENDING, S.COMPLETED), (S.PENDING, S.FAILED),
    (S.ARRIVED, S.COMPLETED), (S.ARRIVED, S.FAILED),
])
def test_legal_stop_moves(current, target):
    check_stop_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [
    (S.COMPLETED, S.COMPLETED), (S.COMPLETED, S.ARRIVED), (S.COMPLETED, S.FAILED),
    (S.FAILED, S.COMPLETED), (S.FAILED, S.ARRIVED), (S.ARRIVED, S.ARRIVED),
    (S.ARRIVED, S.PENDING), (S.PENDING, S.PENDING),
])
def test_illegal_stop_moves_are_conflicts(current, target):
    with pytest.raises(IllegalTransition) as err:
        check_stop_transition(current, target)
    assert err.value.status == 409 and err.value.extra == {"current": current, "target": target}


@pytest.mark.parametrize(("statuses", "finished"), [
    ([], True), (["completed", "failed"], True), (["completed", "pending"], False),
    (["arrived"], False),
])
def test_a_route_is_finished_when_no_stop_is_open(statuses, finished):
    assert route_finished(statuses) is finished


def test_a_delivery_needs_a_recipient_a_pickup_does_not():
    for missing in (None, ""):
        with pytest.raises(Invalid) as err:
            check_recipient(StopKind.DELIVERY, missing)
        assert err.value.field == "recipient_name"
    check_recipient(StopKind.DELIVERY, "Marie")
    check_recipient(StopKind.PICKUP, None)


def test_event_time_allows_the_clock_skew_and_nothing_more():
    started = NOW - timedelta(hours=1)
    check_event_time(NOW + MAX_FUTURE_SKEW, now=NOW, started=started)
    with pytest.raises(Invalid) as err:
        check_event_time(NOW + MAX_FUTURE_SKEW + timedelta(seconds=1), now=NOW, started=started)
    assert err.value.field == "at" and "future" in err.value.detail


@pytest.mark.parametrize(("at", "arrived_at", "words"), [
    (NOW - timedelta(hours=2), None, "route was published"),
    (NOW - timedelta(minutes=10), NOW - timedelta(minutes=5), "arrival"),
])
def test_event_time_before_the_route_or_the_arrival_is_refused(at, arrived_at, words):
    with pytest.raises(Invalid) as err:
        check_event_time(at, now=NOW, started=NOW - timedelta(hours=1), arrived_at=arrived_at)
    assert err.value.field == "at" and words in err.value.detail


def test_naive_event_time_is_refused():
    with pytest.raises(Invalid) as err:
        check_event_time(NOW.replace(tzinfo=None), now=NOW, started=NOW)
    assert err.value.field == "at"


def test_coordinates_come_in_pairs():
    check_position(None, None)
    check_position(43.7, 7.4)
    for lat, lon, field in ((43.7, None, "lon"), (None, 7.4, "lat")):
        with pytest.raises(Invalid) as err:
            check_position(lat, lon)
        assert err.value.field == field


def test_distance_is_measured_and_flagged_beyond_the_limit():
    near = distance_from_stop(*CASINO, CASINO[0] + 0.001, CASINO[1], far_meters=250)
    assert near.meters == pytest.approx(111.2, abs=0.5) and near.flagged_far is False
    far = distance_from_stop(*CASINO, *MONACO, far_meters=250)
    assert 250 < far.meters < 400 and far.flagged_far is True
    unknown = distance_from_stop(*CASINO, None, None, far_meters=250)
    assert (unknown.meters, unknown.flagged_far) == (None, False)


def test_a_position_counts_only_near_the_event_time():
    age = timedelta(minutes=15)
    assert position_is_current(NOW - timedelta(minutes=14), NOW, age)
    assert position_is_current(NOW + timedelta(minutes=1), NOW, age)
    assert not position_is_current(NOW - timedelta(minutes=16), NOW, age)


def test_eta_error_is_actual_minus_estimate_and_its_lead():
    measured = eta_error(NOW, NOW - timedelta(minutes=4), NOW - timedelta(minutes=30))
    assert (measured.error_seconds, measured.lead_seconds) == (240.0, 1800.0)
    early = eta_error(NOW, NOW + timedelta(minutes=2), NOW - timedelta(minutes=30))
    assert early.error_seconds == -120.0


@pytest.mark.parametrize("module", ["dispatch.stoplists.domain", "dispatch.stoplists.media"])
def test_stop_rules_need_no_database(module):
    loaded = _loaded_after(module)
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "starlette", "sqlalchemy")}
