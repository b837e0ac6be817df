"""Wave batching: policies, their stored form, when a wave is due, and lost windows."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dispatch.errors import Invalid
from dispatch.planning.batching import (
    OnDemand,
    Periodic,
    ReadyWork,
    Threshold,
    Unmeetable,
    WaveDecision,
    next_check,
    policy_from_config,
    policy_to_config,
    split_unmeetable,
    wave_due,
)

# Lunch rush at a city warehouse, written out by hand.
RUSH = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def work(id_, ready_min_before=0, window_end=RUSH + timedelta(hours=2)):
    return ReadyWork(id_, RUSH - ready_min_before * MIN, window_end)


def batch(count, oldest_min=0):
    """``count`` items, the first ready ``oldest_min`` minutes before the rush, the rest now."""
    return [work("o1", oldest_min)] + [work(f"o{i}") for i in range(2, count + 1)]


def field_of(call):
    with pytest.raises(Invalid) as info:
        call()
    return info.value.field


@pytest.mark.parametrize("every", [timedelta(0), -MIN, timedelta(hours=24) + SEC, 15])
def test_periodic_refuses_bad_period(every):
    """A period must be a positive duration of at most a day."""
    assert field_of(lambda: Periodic(every)) == "every"


def test_periodic_accepts_a_full_day():
    """24 h is the longest period allowed, and allowed."""
    assert Periodic(timedelta(hours=24)).every == timedelta(hours=24)


@pytest.mark.parametrize("kwargs, field", [
    ({}, "min_ready"),
    ({"min_ready": 0}, "min_ready"),
    ({"min_ready": True}, "min_ready"),
    ({"min_ready": 2.5}, "min_ready"),
    ({"max_wait": timedelta(0)}, "max_wait"),
    ({"min_ready": 5, "max_wait": -MIN}, "max_wait"),
])
def test_threshold_refuses_bad_arguments(kwargs, field):
    """A threshold needs a count or a wait limit, each positive, and names the bad one."""
    assert field_of(lambda: Threshold(**kwargs)) == field


@pytest.mark.parametrize("config, policy", [
    ({"kind": "on_demand"}, OnDemand()),
    ({"kind": "periodic", "every_minutes": 15}, Periodic(15 * MIN)),
    ({"kind": "threshold", "min_ready": 20, "max_wait_minutes": 30}, Threshold(20, 30 * MIN)),
    ({"kind": "threshold", "min_ready": 20}, Threshold(min_ready=20)),
    ({"kind": "threshold", "max_wait_minutes": 30}, Threshold(max_wait=30 * MIN)),
])
def test_config_round_trip(config, policy):
    """Stored settings parse to the policy and the policy stores back to the same settings."""
    assert policy_from_config(config) == policy
    assert policy_to_config(policy) == config


@pytest.mark.parametrize("config, field", [
    ({}, "kind"),
    ({"kind": "hourly"}, "kind"),
    ({"kind": ["periodic"]}, "kind"),
    ({"kind": "on_demand", "every_minutes": 5}, "every_minutes"),
    ({"kind": "periodic"}, "every_minutes"),
    ({"kind": "periodic", "every_minutes": 0}, "every_minutes"),
    ({"kind": "periodic", "every_minutes": "15"}, "every_minutes"),
    ({"kind": "periodic", "every_minutes": 7.5}, "every_minutes"),
    ({"kind": "periodic", "every_minutes": 1441}, "every_minutes"),
    ({"kind": "periodic", "every_minutes": 15, "min_ready": 3}, "min_ready"),
    ({"kind": "threshold"}, "min_ready"),
    ({"kind": "threshold", "min_ready": 0}, "min_ready"),
    ({"kind": "threshold", "max_wait_minutes": -5}, "max_wait_minutes"),
    ({"kind": "threshold", "min_ready": 5, "max_wait": 30}, "max_wait"),
])
def test_config_errors_name_the_key(config, field):
    """Each bad setting is refused with the key the warehouse admin typed."""
    assert field_of(lambda: policy_from_config(config)) == field


def test_sub_minute_policy_cannot_be_stored():
    """Settings hold whole minutes, so 90 seconds is refused rather than rounded."""
    assert field_of(lambda: policy_to_config(Periodic(90 * SEC))) == "every"
    assert field_of(lambda: policy_to_config(Threshold(max_wait=90 * SEC))) == "max_wait"


@pytest.mark.parametrize("policy", [OnDemand(), Periodic(15 * MIN), Threshold(1, MIN)])
def test_nothing_ready_is_never_due(policy):
    """An empty wave is pointless whatever the policy, and there is nothing to re-check."""
    assert wave_due(policy, now=RUSH, ready=[], last_wave_at=None) == WaveDecision(
        False, "nothing ready")
    assert next_check(policy, now=RUSH, ready=[], last_wave_at=None) is None


def test_on_demand_waits_for_a_dispatcher():
    """However much piles up, on demand never starts a wave by itself."""
    decision = wave_due(OnDemand(), now=RUSH, ready=batch(50, 120), last_wave_at=None)
    assert decision == WaveDecision(False, "on demand: only when a dispatcher asks")
    assert next_check(OnDemand(), now=RUSH, ready=batch(50, 120), last_wave_at=None) is None


def test_periodic_first_wave_is_due_at_once():
    """With no wave yet there is nothing to wait for."""
    assert wave_due(Periodic(15 * MIN), now=RUSH, ready=batch(1), last_wave_at=None) == (
        WaveDecision(True, "no wave yet"))
    assert next_check(Periodic(15 * MIN), now=RUSH, ready=batch(1), last_wave_at=None) == RUSH


def test_periodic_is_due_exactly_at_the_period():
    """15 min after the 10:45 wave, the 11:00 wave is due."""
    decision = wave_due(Periodic(15 * MIN), now=RUSH, ready=batch(3), last_wave_at=RUSH - 15 * MIN)
    assert decision == WaveDecision(True, "15 min since the last wave")


def test_periodic_is_not_due_just_before_the_period():
    """A second short of 15 min is not yet due; the scheduler looks again at 11:00."""
    last = RUSH - 15 * MIN + SEC
    decision = wave_due(Periodic(15 * MIN), now=RUSH, ready=batch(3), last_wave_at=last)
    assert decision == WaveDecision(False, "14 min since the last wave (every 15 min)")
    assert next_check(Periodic(15 * MIN), now=RUSH, ready=batch(3), last_wave_at=last) == (
        RUSH + SEC)


def test_periodic_next_check_is_the_next_tick():
    """A wave at 10:55 every 15 min means looking again at 11:10."""
    got = next_check(Periodic(15 * MIN), now=RUSH, ready=batch(2), last_wave_at=RUSH - 5 * MIN)
    assert got == datetime(2026, 11, 26, 11, 10, tzinfo=UTC)


def test_threshold_count_is_due_at_the_threshold():
    """Ten ready orders meet a threshold of ten; nine do not."""
    policy = Threshold(min_ready=10)
    assert wave_due(policy, now=RUSH, ready=batch(10), last_wave_at=None) == WaveDecision(
        True, "10 orders ready (threshold 10)")
    assert wave_due(policy, now=RUSH, ready=batch(9), last_wave_at=None) == WaveDecision(
        False, "9 orders ready (threshold 10)")


def test_threshold_count_only_has_no_timed_check():
    """Without a wait limit only new work can make a wave due, so no timer is set."""
    assert next_check(Threshold(min_ready=10), now=RUSH, ready=batch(9), last_wave_at=None) is None
    assert next_check(Threshold(min_ready=10), now=RUSH, ready=batch(10),
                      last_wave_at=None) == RUSH


def test_threshold_wait_is_due_exactly_at_the_limit():
    """The oldest order ready at 10:30 has waited the full 30 min at 11:00."""
    decision = wave_due(Threshold(max_wait=30 * MIN), now=RUSH, ready=batch(1, 30),
                        last_wave_at=None)
    assert decision == WaveDecision(True, "oldest ready order has waited 30 min (limit 30)")


def test_threshold_wait_past_the_limit_reports_the_wait():
    """31 min of waiting against a 30 min limit is due and says so."""
    decision = wave_due(Threshold(12, 30 * MIN), now=RUSH, ready=batch(3, 31), last_wave_at=None)
    assert decision == WaveDecision(True, "oldest ready order has waited 31 min (limit 30)")


def test_threshold_wait_just_under_the_limit_is_not_due():
    """A second short of 30 min is not due; both conditions show and the timer is set."""
    ready = [ReadyWork("o1", RUSH - 30 * MIN + SEC, RUSH + timedelta(hours=2))] + batch(2)[1:]
    decision = wave_due(Threshold(10, 30 * MIN), now=RUSH, ready=ready, last_wave_at=None)
    assert decision == WaveDecision(
        False, "2 orders ready (threshold 10); oldest ready order has waited 29 min (limit 30)")
    assert next_check(Threshold(10, 30 * MIN), now=RUSH, ready=ready, last_wave_at=None) == (
        RUSH + SEC)


def test_threshold_next_check_follows_the_oldest_order():
    """The oldest ready at 10:50 with a 30 min limit means looking again at 11:20."""
    got = next_check(Threshold(max_wait=30 * MIN), now=RUSH, ready=batch(4, 10), last_wave_at=None)
    assert got == datetime(2026, 11, 26, 11, 20, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    """Comparing naive and aware times is a bug waiting to happen, so each is named."""
    naive = datetime(2026, 11, 26, 11, 0)
    assert field_of(lambda: wave_due(OnDemand(), now=naive, ready=[], last_wave_at=None)) == "now"
    assert field_of(lambda: next_check(Periodic(MIN), now=RUSH, ready=[],
                                       last_wave_at=naive)) == "last_wave_at"
    assert field_of(lambda: ReadyWork("o1", naive, RUSH)) == "ready_at"
    assert field_of(lambda: ReadyWork("o1", RUSH, naive)) == "window_end"
    assert field_of(lambda: split_unmeetable([], now=naive, min_lead=MIN)) == "now"


def test_split_reports_lost_windows_and_keeps_the_rest_in_order():
    """With 25 min of lead, an 11:20 window is lost; 11:25 (arrival exactly at the end) holds."""
    ready = [work("a", window_end=RUSH + 40 * MIN), work("late", window_end=RUSH + 20 * MIN),
             work("b", window_end=RUSH + 25 * MIN), work("c", window_end=RUSH + 90 * MIN)]
    kept, lost = split_unmeetable(ready, now=RUSH, min_lead=25 * MIN)
    assert [item.id for item in kept] == ["a", "b", "c"]
    assert lost == [Unmeetable("late", RUSH + 20 * MIN, RUSH + 25 * MIN,
                               "window ends at 11:20, earliest arrival 11:25")]


def test_split_uses_the_lead_time_per_id():
    """A far-out address can miss a window that a nearby one still makes."""
    ready = [work("near", window_end=RUSH + 30 * MIN), work("far", window_end=RUSH + 30 * MIN)]
    kept, lost = split_unmeetable(ready, now=RUSH, min_lead={"near": 10 * MIN, "far": 45 * MIN})
    assert [item.id for item in kept] == ["near"]
    assert [(u.id, u.reason) for u in lost] == [
        ("far", "window ends at 11:30, earliest arrival 11:45")]


def test_split_shows_times_in_the_window_timezone():
    """The reason reads in the customer's local time, not the server's UTC."""
    cet = timezone(timedelta(hours=1))
    ready = [ReadyWork("o1", RUSH, datetime(2026, 11, 26, 12, 10, tzinfo=cet))]
    _, lost = split_unmeetable(ready, now=RUSH, min_lead=20 * MIN)
    assert lost[0].reason == "window ends at 12:10, earliest arrival 12:20"
    assert lost[0].earliest_arrival == RUSH + 20 * MIN


@pytest.mark.parametrize("min_lead", [{"other": MIN}, {"o1": -MIN}, {"o1": 5}])
def test_split_refuses_a_missing_or_bad_lead_time(min_lead):
    """An id without a usable lead time is an error, not a guess."""
    assert field_of(lambda: split_unmeetable(batch(1), now=RUSH, min_lead=min_lead)) == "min_lead"
