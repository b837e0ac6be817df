"""Unit tests for the pure driver-ping rules."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.common.geo import haversine_km
from dispatch.errors import Invalid
from dispatch.tracking.pings import Ping, PingLimits, check_ping, newest

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CASINO = (43.7396, 7.4276)  # Monaco, Casino de Monte-Carlo
NICE = (43.7102, 7.2620)
NAIVE = datetime(2024, 6, 1, 12, 0)


def ping(where=CASINO, at=NOW, **extra) -> Ping:
    """A ping at ``where`` and ``at`` (default: the Casino, now) with optional extras."""
    return Ping(where[0], where[1], at, **extra)


def ago(**delta) -> datetime:
    """``NOW`` minus a duration given as ``timedelta`` keywords (negative: in the future)."""
    return NOW - timedelta(**delta)


def refused(p: Ping, previous: Ping | None = None, **limits) -> Invalid:
    """The ``Invalid`` that ``check_ping`` raises for ``p``."""
    with pytest.raises(Invalid) as info:
        check_ping(p, now=NOW, previous=previous, limits=PingLimits(**limits))
    return info.value


def accepted(p: Ping, previous: Ping | None = None, **limits) -> None:
    """Run ``check_ping`` expecting no error."""
    check_ping(p, now=NOW, previous=previous, limits=PingLimits(**limits))


def test_casino_to_nice_is_about_13_7_km():
    """The real distance the jump tests rely on."""
    assert haversine_km(*CASINO, *NICE) == pytest.approx(13.70, abs=0.01)


@pytest.mark.parametrize("p", [
    ping(speed_kmh=42.0, heading_deg=180.0, accuracy_m=8.0),
    ping((90.0, 0.0)), ping((-90.0, 0.0)), ping((0.0, 180.0)), ping((0.0, -180.0)),
    ping(at=ago(seconds=-30)),  # exactly the allowed clock skew
    ping(at=ago(hours=12)),  # exactly the maximum age
    ping(speed_kmh=0.0), ping(speed_kmh=400.0),  # up to 2 × 200 km/h
    ping(heading_deg=0.0), ping(heading_deg=359.9),
    ping(accuracy_m=0.0),
])
def test_inclusive_boundaries_are_accepted(p):
    """Values on the edge of every allowed range pass."""
    accepted(p)


@pytest.mark.parametrize(("p", "field"), [
    (ping((90.0001, 7.0)), "lat"), (ping((-91.0, 7.0)), "lat"),
    (ping((math.nan, 7.0)), "lat"), (ping((math.inf, 7.0)), "lat"),
    (ping((43.0, 180.5)), "lon"), (ping((43.0, -180.0001)), "lon"),
    (ping((43.0, math.nan)), "lon"), (ping((43.0, -math.inf)), "lon"),
    (ping(at=NAIVE), "timestamp"),
    (ping(at=ago(seconds=-30, microseconds=-1)), "timestamp"),  # just past the skew
    (ping(at=ago(hours=12, seconds=1)), "timestamp"),  # just past the maximum age
    (ping(speed_kmh=-0.1), "speed"), (ping(speed_kmh=400.1), "speed"),
    (ping(speed_kmh=math.nan), "speed"), (ping(speed_kmh=math.inf), "speed"),
    (ping(heading_deg=360.0), "heading"), (ping(heading_deg=-0.1), "heading"),
    (ping(heading_deg=math.nan), "heading"),
    (ping(accuracy_m=-1.0), "accuracy"), (ping(accuracy_m=math.nan), "accuracy"),
])
def test_each_bad_value_names_its_field(p, field):
    """Every refusal points the client at the field it sent wrong."""
    assert refused(p).field == field


def test_naive_timestamp_says_why():
    """A time without a zone cannot be compared with the server clock."""
    assert "timezone-aware" in refused(ping(at=NAIVE)).detail


def test_future_message_says_how_far_ahead():
    """The detail names how far ahead the ping is and the allowance."""
    error = refused(ping(at=ago(seconds=-31)))
    assert error.detail == "timestamp is 31s in the future (at most 30s allowed)"


def test_custom_skew_is_honoured():
    """A tighter skew refuses what the default would allow."""
    error = refused(ping(at=ago(seconds=-10)), max_future_skew=timedelta(seconds=5))
    assert error.field == "timestamp"


def test_stale_message_says_how_old():
    """A 13 h old ping is refused as older than the 12 h limit."""
    assert refused(ping(at=ago(hours=13))).detail == "timestamp is 13 h old, older than 12 h"


def test_casino_to_nice_in_one_minute_is_refused():
    """13.70 km in 60 s implies ~822 km/h: a teleport, refused on ``lat``."""
    error = refused(ping(NICE), ping(CASINO, ago(seconds=60)))
    assert error.field == "lat"
    assert "822 km/h" in error.detail
    assert error.extra["implied_kmh"] == pytest.approx(822.2, abs=0.1)
    assert error.extra["distance_km"] == pytest.approx(13.70, abs=0.01)


def test_casino_to_nice_in_ten_minutes_is_accepted():
    """13.70 km in 10 min is ~82 km/h: a plausible drive on the A8."""
    accepted(ping(NICE), ping(CASINO, ago(minutes=10)))


def test_speed_limit_boundary_between_pings():
    """At 200 km/h 13.70 km takes ~246.6 s: 247 s passes (~199.7), 246 s fails (~200.5)."""
    accepted(ping(NICE), ping(CASINO, ago(seconds=247)))
    assert refused(ping(NICE), ping(CASINO, ago(seconds=246))).field == "lat"


def test_noise_jump_with_no_time_between_is_accepted():
    """0.11 km with zero elapsed time is GPS noise, under the 0.2 km threshold."""
    accepted(ping((43.7406, 7.4276)), ping(CASINO))


def test_real_jump_with_no_time_between_is_refused():
    """0.2002 km with zero elapsed time is past the noise threshold: impossible."""
    error = refused(ping((43.7414, 7.4276)), ping(CASINO))
    assert error.field == "lat"
    assert "instant jump" in error.detail


def test_min_jump_threshold_is_honoured():
    """Raising the noise threshold to 15 km lets Casino→Nice in 60 s through."""
    accepted(ping(NICE), ping(CASINO, ago(seconds=60)), min_jump_km=15.0)


def test_out_of_order_ping_is_accepted_but_does_not_move_the_driver():
    """A ping older than the previous one is stored history, not a new position."""
    previous, late = ping(NICE), ping(CASINO, ago(minutes=10))
    accepted(late, previous)
    assert newest(previous, late) is previous


def test_out_of_order_teleport_is_still_refused():
    """The time gap is absolute, so a late ping implying ~822 km/h is refused."""
    assert refused(ping(CASINO, ago(seconds=60)), ping(NICE)).field == "lat"


def test_newest_takes_the_first_ping():
    """With no current position the incoming ping becomes it."""
    first = ping()
    assert newest(None, first) is first


def test_newest_moves_forward_for_a_newer_ping():
    """A strictly newer ping becomes the current position."""
    incoming = ping(NICE)
    assert newest(ping(CASINO, ago(minutes=10)), incoming) is incoming


def test_newest_keeps_current_on_a_tie():
    """Two pings with the same time: the one already stored stays."""
    current = ping(CASINO)
    assert newest(current, ping(NICE)) is current


def test_pings_module_loads_no_web_database_or_other_domain_code():
    """Tracking rules import nothing from SQLAlchemy, FastAPI or other domains."""
    code = "import sys, dispatch.tracking.pings; print('\\n'.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True,
                                capture_output=True, text=True).stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "starlette", "sqlalchemy")}
    assert not {m for m in loaded if m.startswith(("dispatch.stock", "dispatch.orders"))}
