"""Retry delays double per attempt, gain at most a quarter of jitter, and stop at a day."""

from datetime import UTC, datetime, timedelta

from dispatch.events.backoff import MAX_DELAY_SECONDS, next_attempt_at, retry_delay


def test_delays_double():
    assert [retry_delay(n, 10, lambda: 0.0) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=s) for s in (10, 20, 40, 80)]


def test_jitter_stays_below_a_quarter_so_delays_still_grow():
    low = [retry_delay(n, 10, lambda: 0.0) for n in range(1, 8)]
    high = [retry_delay(n, 10, lambda: 0.9999) for n in range(1, 8)]
    for n in range(7):
        assert low[n] <= high[n] < low[n] * 1.25 + timedelta(microseconds=1)
        if n:
            assert high[n - 1] < low[n]


def test_delay_is_capped_at_a_day_however_many_attempts():
    assert retry_delay(50, 10, lambda: 0.0) == timedelta(seconds=MAX_DELAY_SECONDS)
    assert retry_delay(1000, 10, lambda: 0.0) == timedelta(seconds=MAX_DELAY_SECONDS)


def test_next_attempt_is_scheduled_until_the_attempts_are_spent():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert next_attempt_at(1, 3, 10.0, now, lambda: 0.0) == now + timedelta(seconds=10)
    assert next_attempt_at(2, 3, 10.0, now, lambda: 0.0) == now + timedelta(seconds=20)
    assert next_attempt_at(3, 3, 10.0, now, lambda: 0.0) is None
