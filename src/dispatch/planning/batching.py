"""Wave batching rules: when a warehouse gathers its ready work into a wave for routing.

A wave collects ready, unplanned orders and approved return pickups. Each warehouse picks a
policy: on demand, periodic, or a threshold on how much (or how old) the work is. These
functions only decide, so the scheduler and service layer stay thin; work whose window can
no longer be met comes back as ``Unmeetable`` for a dispatcher, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatch.common.checks import is_int, require_aware
from dispatch.errors import Invalid

MINUTE = timedelta(minutes=1)
MAX_PERIOD = timedelta(hours=24)


def _require_positive_duration(value: object, field: str) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise Invalid(f"{field} must be a positive duration, got {value!r}", field=field)
    return value


@dataclass(frozen=True)
class OnDemand:
    """Waves only when a dispatcher asks; the scheduler never starts one by itself."""


@dataclass(frozen=True)
class Periodic:
    """A wave every ``every`` while work waits; at most a day, so a typo cannot park work."""

    every: timedelta

    def __post_init__(self) -> None:
        _require_positive_duration(self.every, "every")
        if self.every > MAX_PERIOD:
            raise Invalid("every may be at most 24 h (1440 minutes)", field="every")


@dataclass(frozen=True)
class Threshold:
    """A wave at ``min_ready`` items, or once the oldest has waited ``max_wait`` so that on a
    quiet afternoon a lone order does not wait for company forever."""

    min_ready: int | None = None
    max_wait: timedelta | None = None

    def __post_init__(self) -> None:
        if self.min_ready is None and self.max_wait is None:
            raise Invalid("threshold needs min_ready, max_wait or both", field="min_ready")
        if self.min_ready is not None and (not is_int(self.min_ready) or self.min_ready < 1):
            raise Invalid(f"min_ready must be a positive integer, got {self.min_ready!r}",
                          field="min_ready")
        if self.max_wait is not None:
            _require_positive_duration(self.max_wait, "max_wait")


BatchPolicy = OnDemand | Periodic | Threshold

_KEYS = {"on_demand": {"kind"}, "periodic": {"kind", "every_minutes"},
         "threshold": {"kind", "min_ready", "max_wait_minutes"}}
# Constructor field -> config key, so an error points at what the warehouse admin typed.
_CONFIG_FIELD = {"every": "every_minutes", "max_wait": "max_wait_minutes"}


def _config_minutes(value: object, key: str) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(f"{key} must be a positive whole number of minutes", field=key)
    return value * MINUTE


def policy_from_config(data: Mapping[str, Any]) -> BatchPolicy:
    """Build a policy from a warehouse's stored settings, e.g. ``{"kind": "periodic",
    "every_minutes": 15}``. Unknown kinds, missing or extra keys raise ``Invalid`` naming
    the key, so a bad setting is refused when saved rather than when the scheduler runs."""
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KEYS:
        raise Invalid(f"kind must be one of {sorted(_KEYS)}, got {kind!r}", field="kind")
    extra = sorted(str(key) for key in data.keys() - _KEYS[kind])
    if extra:
        raise Invalid(f"unexpected key {extra[0]!r} for a {kind} policy", field=extra[0])
    try:
        if kind == "on_demand":
            return OnDemand()
        if kind == "periodic":
            return Periodic(_config_minutes(data.get("every_minutes"), "every_minutes"))
        wait = data.get("max_wait_minutes")
        return Threshold(data.get("min_ready"),
                         None if wait is None else _config_minutes(wait, "max_wait_minutes"))
    except Invalid as error:
        error.field = _CONFIG_FIELD.get(error.field or "", error.field)
        raise


def _whole_minutes(value: timedelta, field: str) -> int:
    if value % MINUTE:
        raise Invalid(f"{field} must be whole minutes to be stored, got {value}", field=field)
    return value // MINUTE


def policy_to_config(policy: BatchPolicy) -> dict[str, Any]:
    """The stored form of ``policy``; ``policy_from_config`` reads it back unchanged.
    Settings hold whole minutes, so a sub-minute duration raises ``Invalid``."""
    if isinstance(policy, OnDemand):
        return {"kind": "on_demand"}
    if isinstance(policy, Periodic):
        return {"kind": "periodic", "every_minutes": _whole_minutes(policy.every, "every")}
    if isinstance(policy, Threshold):
        config: dict[str, Any] = {"kind": "threshold"}
        if policy.min_ready is not None:
            config["min_ready"] = policy.min_ready
        if policy.max_wait is not None:
            config["max_wait_minutes"] = _whole_minutes(policy.max_wait, "max_wait")
        return config
    raise TypeError(f"not a batch policy: {policy!r}")


@dataclass(frozen=True)
class ReadyWork:
    """An order or approved return pickup waiting for a wave, and when its window closes."""

    id: str
    ready_at: datetime
    window_end: datetime

    def __post_init__(self) -> None:
        require_aware(self.ready_at, "ready_at")
        require_aware(self.window_end, "window_end")


@dataclass(frozen=True)
class WaveDecision:
    """Whether a wave is due now, with a reason a dispatcher can read on the board."""

    due: bool
    reason: str


def _minutes(value: timedelta) -> str:
    minutes = value / MINUTE  # whole when they are, one decimal otherwise
    return f"{minutes:.0f}" if minutes == int(minutes) else f"{minutes:.1f}"


def _waited(value: timedelta) -> str:  # rounded down: 29:59 never reads "30 min (limit 30)"
    return f"{value // MINUTE} min"


def wave_due(policy: BatchPolicy, *, now: datetime, ready: Sequence[ReadyWork],
             last_wave_at: datetime | None) -> WaveDecision:
    """Decide whether ``policy`` starts a wave at ``now`` for the ``ready`` work.

    Boundaries count as reached (exactly ``every`` since the last wave, exactly
    ``max_wait`` of waiting) so a scheduler woken at ``next_check`` finds the wave due.
    """
    require_aware(now, "now")
    if last_wave_at is not None:
        require_aware(last_wave_at, "last_wave_at")
    if not ready:
        return WaveDecision(False, "nothing ready")
    if isinstance(policy, OnDemand):
        return WaveDecision(False, "on demand: only when a dispatcher asks")
    if isinstance(policy, Periodic):
        if last_wave_at is None:
            return WaveDecision(True, "no wave yet")
        text = f"{_waited(now - last_wave_at)} since the last wave"
        if now - last_wave_at >= policy.every:
            return WaveDecision(True, text)
        return WaveDecision(False, f"{text} (every {_minutes(policy.every)} min)")
    if isinstance(policy, Threshold):
        count, waited = len(ready), now - min(item.ready_at for item in ready)
        parts: list[str] = []
        if policy.min_ready is not None:
            parts.append(f"{count} order{'s' * (count != 1)} ready (threshold {policy.min_ready})")
            if count >= policy.min_ready:
                return WaveDecision(True, parts[-1])
        if policy.max_wait is not None:
            limit = _minutes(policy.max_wait)
            parts.append(f"oldest ready order has waited {_waited(waited)} (limit {limit})")
            if waited >= policy.max_wait:
                return WaveDecision(True, parts[-1])
        return WaveDecision(False, "; ".join(parts))
    raise TypeError(f"not a batch policy: {policy!r}")


def next_check(policy: BatchPolicy, *, now: datetime, ready: Sequence[ReadyWork],
               last_wave_at: datetime | None) -> datetime | None:
    """When a scheduler should ask ``wave_due`` again, or ``None`` when only new work (or a
    dispatcher) can change the answer: on demand, nothing ready, or a count-only threshold.
    A wave that is already due answers ``now``."""
    if wave_due(policy, now=now, ready=ready, last_wave_at=last_wave_at).due:
        return now
    if not ready:
        return None
    if isinstance(policy, Periodic) and last_wave_at is not None:
        return last_wave_at + policy.every
    if isinstance(policy, Threshold) and policy.max_wait is not None:
        return min(item.ready_at for item in ready) + policy.max_wait
    return None


@dataclass(frozen=True)
class Unmeetable:
    """Ready work whose window closes before a van could possibly get there."""

    id: str
    window_end: datetime
    earliest_arrival: datetime
    reason: str


def _lead_for(item: ReadyWork, min_lead: Mapping[str, timedelta] | timedelta) -> timedelta:
    lead = min_lead if isinstance(min_lead, timedelta) else min_lead.get(item.id)
    if lead is None:
        raise Invalid(f"min_lead has no lead time for {item.id!r}", field="min_lead", id=item.id)
    if not isinstance(lead, timedelta) or lead < timedelta(0):
        raise Invalid(f"min_lead must be a non-negative duration, got {lead!r}", field="min_lead")
    return lead


def split_unmeetable(ready: Sequence[ReadyWork], *, now: datetime,
                     min_lead: Mapping[str, timedelta] | timedelta,
                     ) -> tuple[list[ReadyWork], list[Unmeetable]]:
    """Separate work that can still be served from work whose window is already lost.

    ``min_lead`` is the least travel plus service time from the warehouse, per id or one
    value for all. Arriving exactly at ``window_end`` still counts as met. Both lists keep
    the input order; nothing is dropped, so the caller can report every unmeetable item.
    Times in the reason are shown in the window's own timezone, as the customer sees it.
    """
    require_aware(now, "now")
    meetable: list[ReadyWork] = []
    unmeetable: list[Unmeetable] = []
    for item in ready:
        earliest = (now + _lead_for(item, min_lead)).astimezone(item.window_end.tzinfo)
        if item.window_end < earliest:
            reason = f"window ends at {item.window_end:%H:%M}, earliest arrival {earliest:%H:%M}"
            unmeetable.append(Unmeetable(item.id, item.window_end, earliest, reason))
        else:
            meetable.append(item)
    return meetable, unmeetable
