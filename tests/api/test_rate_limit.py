"""The per-key token bucket behind the ping rate limit."""

import pytest

from api.rate_limit import RateLimiter, TooManyRequests
from tests.support.clock import FakeClock


def test_burst_then_refill_at_the_rate():
    """3 at once, then one more token every second at 60 per minute."""
    clock = FakeClock(0.0)
    limiter = RateLimiter(rate_per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        limiter.check("ana")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("ana")
    assert refused.value.extra["retry_after_seconds"] == 1.0
    clock.now += 1.0
    limiter.check("ana")


def test_keys_are_independent():
    """One driver's bucket does not drain another's."""
    limiter = RateLimiter(rate_per_minute=60, burst=1, clock=FakeClock(0.0))
    limiter.check("ana")
    limiter.check("bruno")
    with pytest.raises(TooManyRequests):
        limiter.check("ana")
