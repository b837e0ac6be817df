"""Driver position pings: which ones to refuse, and which one is the driver's position.

Drivers' phones send ``POST /drivers/me/location`` with a position, the time it was taken
and optional speed, heading and accuracy. Phones have wrong clocks, flaky GPS and queues
that flush late, so ``check_ping`` refuses only what cannot be true (a point off the globe,
a time from the future or long past, a jump no vehicle could make) and names the offending
field so the app can say what is wrong. A ping that arrives late, older than the last
one, is still history worth keeping; ``newest`` makes sure it never moves the driver back.
Kept free of the database and the web layer so these rules are testable on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.common.checks import require_aware
from dispatch.common.geo import haversine_km
from dispatch.errors import Invalid


@dataclass(frozen=True)
class Ping:
    """One reported position: WGS84 degrees, the aware time it was taken, optional extras."""

    lat: float
    lon: float
    at: datetime
    speed_kmh: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None


@dataclass(frozen=True)
class PingLimits:
    """Tolerances for real-world devices.

    ``max_future_skew`` absorbs phone clocks running a little fast; ``max_speed_kmh`` is
    the fastest a delivery vehicle plausibly moves between two pings (a reported speed is
    allowed up to twice that, since instantaneous GPS speed spikes); jumps shorter than
    ``min_jump_km`` are GPS noise and never refused for speed, even with no time between
    them; pings older than ``max_age`` are stale and no use for tracking.
    """

    max_future_skew: timedelta = timedelta(seconds=30)
    max_speed_kmh: float = 200.0
    min_jump_km: float = 0.2
    max_age: timedelta = timedelta(hours=12)


def _duration(seconds: float) -> str:
    """A short human form of a duration for error messages (``31s``, ``2.5 min``, ``13 h``)."""
    if seconds < 120:
        return f"{seconds:g}s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def _check_optional(value: float | None, field: str, low: float, high: float | None) -> None:
    """Refuse a present ``value`` that is not finite, below ``low`` or above ``high``."""
    if value is None:
        return
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise Invalid(f"{field} must be {bound}, got {value!r}", field=field)


def _check_time(at: datetime, now: datetime, limits: PingLimits) -> None:
    """Refuse a naive time, one beyond the clock-skew allowance, or one too old to use."""
    require_aware(at, "timestamp")
    ahead = at - now
    if ahead > limits.max_future_skew:
        raise Invalid(
            f"timestamp is {_duration(ahead.total_seconds())} in the future "
            f"(at most {_duration(limits.max_future_skew.total_seconds())} allowed)",
            field="timestamp",
        )
    age = now - at
    if age > limits.max_age:
        raise Invalid(
            f"timestamp is {_duration(age.total_seconds())} old, "
            f"older than {_duration(limits.max_age.total_seconds())}",
            field="timestamp",
        )


def _check_jump(ping: Ping, previous: Ping, limits: PingLimits) -> None:
    """Refuse a move from ``previous`` that would need more than ``max_speed_kmh``.

    Order does not matter: a late ping is compared over the absolute time gap, so a
    teleport is caught whichever of the two points arrived first.
    """
    km = haversine_km(previous.lat, previous.lon, ping.lat, ping.lon)
    if km < limits.min_jump_km:
        return
    seconds = abs((ping.at - previous.at).total_seconds())
    kmh = math.inf if seconds == 0 else km / (seconds / 3600)
    if kmh > limits.max_speed_kmh:
        implied = (
            "with no time between them (an instant jump)" if math.isinf(kmh)
            else f"{_duration(seconds)} apart: {kmh:.0f} km/h"
        )
        raise Invalid(
            f"position is {km:.2f} km from the previous ping {implied}, "
            f"above the {limits.max_speed_kmh:g} km/h limit",
            field="lat",
            distance_km=round(km, 3),
            implied_kmh=None if math.isinf(kmh) else round(kmh, 1),
        )


def check_ping(
    ping: Ping, *, now: datetime, previous: Ping | None, limits: PingLimits = PingLimits()
) -> None:
    """Raise ``Invalid`` naming the field if ``ping`` cannot be a real position report.

    ``now`` is the server's aware clock; ``previous`` is the driver's last stored ping,
    if any. A ping older than ``previous`` is not an error (queued pings flush late);
    use ``newest`` to keep it from moving the current position.
    """
    if now.utcoffset() is None:
        raise TypeError("now must be a timezone-aware datetime")
    if not math.isfinite(ping.lat) or not -90 <= ping.lat <= 90:
        raise Invalid(f"lat must be between -90 and 90, got {ping.lat!r}", field="lat")
    if not math.isfinite(ping.lon) or not -180 <= ping.lon <= 180:
        raise Invalid(f"lon must be between -180 and 180, got {ping.lon!r}", field="lon")
    _check_time(ping.at, now, limits)
    _check_optional(ping.speed_kmh, "speed", 0, 2 * limits.max_speed_kmh)
    heading = ping.heading_deg
    if heading is not None and (not math.isfinite(heading) or not 0 <= heading < 360):
        raise Invalid(f"heading must be in [0, 360), got {heading!r}", field="heading")
    _check_optional(ping.accuracy_m, "accuracy", 0, None)
    if previous is not None:
        _check_jump(ping, previous, limits)


def newest(current: Ping | None, incoming: Ping) -> Ping:
    """The ping that is the driver's current position after ``incoming`` arrives.

    Only a strictly newer ping replaces ``current``; a tie keeps ``current``, so an
    out-of-order or duplicate ping never moves the current position backwards.
    """
    if current is None or incoming.at > current.at:
        return incoming
    return current
