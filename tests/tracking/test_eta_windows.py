"""ETA window widths from measured errors: pure rules, no database."""

from __future__ import annotations

import math

import pytest

from dispatch.tracking.eta_windows import (
    ErrorSample,
    WindowPolicy,
    band_of,
    error_profile,
    quantile,
)

MINUTE = 60.0
POLICY = WindowPolicy(minimum_seconds=5 * MINUTE, quantile=0.8, min_samples=20,
                      prior_growth=0.05)


def samples(errors_minutes, lead_minutes) -> list[ErrorSample]:
    return [ErrorSample(e * MINUTE, lead_minutes * MINUTE) for e in errors_minutes]


def test_quantile_interpolates_between_order_statistics():
    assert quantile([4, 1, 3, 2, 5], 0.5) == 3
    assert quantile([0, 10], 0.8) == pytest.approx(8)
    assert quantile([7], 0.8) == 7
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_leads_fall_into_bands_by_upper_edge():
    assert band_of(-30) == 0
    assert band_of(15 * MINUTE) == 0
    assert band_of(15 * MINUTE + 1) == 1
    assert band_of(10 * 3600) == len(POLICY.bands) - 1


def test_without_measurements_windows_start_at_the_minimum_and_grow_with_lead():
    profile = error_profile([], POLICY)
    near, hour, far = (profile.half_width(m * MINUTE) for m in (5, 60, 300))
    assert near == pytest.approx(5 * MINUTE + 0.05 * 15 * MINUTE)
    assert hour == pytest.approx(5 * MINUTE + 0.05 * 60 * MINUTE)
    assert near < hour < far
    assert profile.samples == 0


def test_measured_error_sets_the_width_of_its_band_as_a_high_quantile():
    """Errors of 1..25 min (either sign) made 10 min ahead: p80 of |error| is 20.2 min."""
    errors = [m if m % 2 else -m for m in range(1, 26)]
    profile = error_profile(samples(errors, 10), POLICY)
    assert profile.half_width(10 * MINUTE) == pytest.approx(quantile(
        [abs(e) * MINUTE for e in errors], 0.8))
    assert profile.half_width(10 * MINUTE) == pytest.approx(20.2 * MINUTE)
    # Farther bands have no measurements of their own but are never narrower.
    assert profile.half_width(90 * MINUTE) >= profile.half_width(10 * MINUTE)
    assert profile.samples == 25


def test_windows_widen_as_measured_errors_grow():
    small = error_profile(samples([6] * 30, 10), POLICY).half_width(10 * MINUTE)
    large = error_profile(samples([12] * 30, 10), POLICY).half_width(10 * MINUTE)
    assert small == pytest.approx(6 * MINUTE)
    assert large == pytest.approx(12 * MINUTE)


def test_small_measured_errors_never_go_below_the_minimum():
    profile = error_profile(
        samples([0.5] * 100, 10) + samples([1] * 100, 20) + samples([2] * 100, 45), POLICY)
    assert profile.half_width(10 * MINUTE) == 5 * MINUTE
    assert profile.half_width(20 * MINUTE) == 5 * MINUTE
    assert profile.half_width(45 * MINUTE) == 5 * MINUTE


def test_an_unmeasured_band_between_measured_ones_keeps_its_prior_and_the_order():
    """Measured 10 and 45 min ahead, nothing 15-30 min ahead: that band's prior (6.5 min)
    also bounds the 45-minute band from below, so widths never shrink with lead."""
    profile = error_profile(samples([1] * 100, 10) + samples([1] * 100, 45), POLICY)
    assert profile.half_width(20 * MINUTE) == pytest.approx(6.5 * MINUTE)
    assert profile.half_width(45 * MINUTE) == pytest.approx(6.5 * MINUTE)


def test_too_few_measurements_fall_back_to_the_prior():
    few = error_profile(samples([30] * 19, 10), POLICY)
    assert few.half_width(10 * MINUTE) == pytest.approx(error_profile([], POLICY)
                                                        .half_width(10 * MINUTE))
    enough = error_profile(samples([30] * 20, 10), POLICY)
    assert enough.half_width(10 * MINUTE) == pytest.approx(30 * MINUTE)


def test_a_farther_band_is_never_narrower_than_a_nearer_one():
    """Bad near-term estimates (20 min) and good far ones (6 min): the far window is 20."""
    profile = error_profile(samples([20] * 30, 10) + samples([6] * 30, 45), POLICY)
    widths = [profile.half_width(m * MINUTE) for m in (5, 20, 45, 90, 200, 600)]
    assert widths == sorted(widths)
    assert profile.half_width(45 * MINUTE) == pytest.approx(20 * MINUTE)


def test_non_finite_samples_are_ignored():
    profile = error_profile([ErrorSample(math.nan, 60.0), ErrorSample(60.0, math.inf)],
                            POLICY)
    assert profile.samples == 0


@pytest.mark.parametrize("bad", [
    dict(minimum_seconds=-1), dict(quantile=0), dict(quantile=1.5), dict(min_samples=0),
    dict(prior_growth=-0.1), dict(bands=(60.0, 30.0, math.inf)), dict(bands=(60.0,)),
])
def test_policy_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        WindowPolicy(**bad)
