"""The token cache saves lookups but lets revocation through after its TTL."""

from dispatch.auth.roles import Role
from dispatch.auth.service import Principal
from dispatch.auth.token_cache import TokenCache
from tests.support.clock import FakeClock

ANA = Principal(1, "ana", Role.DRIVER, 7)



def test_hit_within_ttl_skips_the_lookup():
    """A second request within the TTL does not query the database again."""
    clock, calls = FakeClock(100.0), []
    cache = TokenCache(ttl=10, clock=clock)
    load = lambda: calls.append(1) or ANA  # noqa: E731
    assert cache.lookup("dsp_a", load) == ANA
    clock.now += 9.9
    assert cache.lookup("dsp_a", load) == ANA
    assert len(calls) == 1


def test_revocation_takes_effect_after_ttl():
    """After the TTL the database is asked again, and a revoked token is refused."""
    clock = FakeClock(100.0)
    cache = TokenCache(ttl=10, clock=clock)
    cache.lookup("dsp_a", lambda: ANA)
    clock.now += 10.1
    assert cache.lookup("dsp_a", lambda: None) is None


def test_failures_are_not_cached_and_zero_ttl_disables():
    """An unknown token is looked up every time; ttl=0 always asks the database."""
    calls = []
    cache = TokenCache(ttl=10)
    for _ in range(3):
        cache.lookup("dsp_bad", lambda: calls.append(1))
    assert len(calls) == 3
    off, hits = TokenCache(ttl=0), []
    for _ in range(2):
        off.lookup("dsp_a", lambda: hits.append(1) or ANA)
    assert len(hits) == 2


def test_cache_is_bounded():
    """The oldest entries go once the cache is full."""
    cache, calls = TokenCache(ttl=60, max_entries=2), []
    for token in ("a", "b", "c", "a"):
        cache.lookup(token, lambda: calls.append(1) or ANA)
    assert len(calls) == 4  # "a" was evicted by "c" and had to be loaded again
