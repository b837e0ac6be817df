"""Taking the systematic part out of ETAs: the median error by lead, measured on the ETAs
kept in eta_snapshots, shifts later ETAs (when switched on)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.stoplists import events
from dispatch.stoplists.schemas import ArrivedIn
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.eta_profiles import recent_snapshot_errors
from dispatch.tracking.eta_windows import ErrorProfile, ErrorSample, WindowPolicy, band_biases
from tests.support.routes import stop_ids
from tests.support.world import CASINO
from tests.tracking.test_eta import make_route, now_utc, place_driver, refresh, stops_of

MIN = 60.0


def test_the_bias_is_the_median_error_of_a_band_measured_often_enough():
    policy = WindowPolicy(min_samples=3)
    samples = [ErrorSample(e * MIN, 5 * MIN) for e in (1, 2, 9)]  # 0-15 min ahead
    samples += [ErrorSample(-4 * MIN, 20 * MIN), ErrorSample(-6 * MIN, 25 * MIN)]  # too few
    biases = band_biases(samples, policy)
    assert biases[0] == 2 * MIN and biases[1] == 0.0
    profile = ErrorProfile((300.0,) * 6, biases=biases)
    assert profile.bias(10 * MIN) == 2 * MIN and profile.bias(20 * MIN) == 0.0
    assert ErrorProfile((300.0,) * 6).bias(10 * MIN) == 0.0


class FixedProfiles:
    """Profiles stand-in: every warehouse has ``profile``."""

    def __init__(self, profile: ErrorProfile) -> None:
        self.fixed = profile

    def profile(self, *args, **kwargs) -> ErrorProfile:
        return self.fixed


@pytest.mark.parametrize("correct", [False, True])
def test_a_measured_bias_shifts_the_etas_when_switched_on(database, world, correct):
    route_id, _ = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], CASINO, now)
    late = FixedProfiles(ErrorProfile((300.0,) * 6, biases=(120.0,) * 6))
    plain = refresh(database, route_id, now, profiles=FixedProfiles(ErrorProfile((300.0,) * 6)))
    before = [s.eta for s in stops_of(database, route_id)]
    refresh(database, route_id, now, profiles=late, limits=EtaLimits(correct_bias=correct))
    after = [s.eta for s in stops_of(database, route_id)]
    assert plain.remaining == 3
    shift = timedelta(minutes=2) if correct else timedelta(0)
    assert after == [eta + shift for eta in before]


def test_an_early_bias_never_moves_an_eta_before_the_window_opens(database, world):
    route_id, _ = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], CASINO, now)
    early = FixedProfiles(ErrorProfile((300.0,) * 6, biases=(-10 * 3600.0,) * 6))
    refresh(database, route_id, now, profiles=early, limits=EtaLimits(correct_bias=True))
    assert all(s.eta >= now for s in stops_of(database, route_id))


def test_snapshot_errors_are_read_against_when_service_began(database, world):
    """ETAs kept at t (refresh) for a stop reached at t + 7 min: lead 7 min, error arrival
    minus the ETA kept."""
    now = now_utc() - timedelta(minutes=30)
    route_id, _ = make_route(database, world, start=now)
    place_driver(database, world.drivers["ana"], CASINO, now)
    refresh(database, route_id, now)
    kept = stops_of(database, route_id)[0].eta
    first = stop_ids(database, route_id)[0]
    events.arrive(database.uow(), world.principals["driver"], first,
                  ArrivedIn(at=now + timedelta(minutes=7)))
    with database.read_uow() as uow:
        samples = recent_snapshot_errors(uow.db, world.warehouses["MC"], 100)
    assert samples == [ErrorSample((now + timedelta(minutes=7) - kept).total_seconds(),
                                   7 * MIN)]
