"""The doorstep time model: a fixed part per stop plus a part per kilogram."""

from __future__ import annotations

import math

import pytest

from dispatch.planning.doorstep import DoorstepTime
from dispatch.settings import Settings


def test_a_heavier_stop_takes_longer():
    doorstep = DoorstepTime(base_seconds=120, per_kg_seconds=6)
    assert doorstep.seconds(0) == 120
    assert doorstep.seconds(19_500) == pytest.approx(237)
    assert doorstep.seconds(-5) == 120  # a stray negative weight is no time saved


def test_without_a_per_kg_part_every_stop_takes_the_base():
    assert {DoorstepTime(180).seconds(w) for w in (0, 500, 40_000)} == {180}


@pytest.mark.parametrize("base, per_kg", [(-1, 0), (60, -0.5), (math.nan, 0), (60, math.inf)])
def test_nonsense_is_refused(base, per_kg):
    with pytest.raises(ValueError, match="must be a finite number >= 0"):
        DoorstepTime(base, per_kg)


def test_settings_configure_both_parts():
    settings = Settings(service_seconds_default=90, service_seconds_per_kg=4)
    assert DoorstepTime.from_settings(settings) == DoorstepTime(90, 4)
    assert DoorstepTime.from_settings(Settings()) == DoorstepTime(180, 0)
