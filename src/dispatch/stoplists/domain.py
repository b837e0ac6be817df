"""Stop rules kept free of storage and HTTP: which stop moves are legal, when an event may
have happened, how far from the stop the driver was, and what an arrival says about ETAs.

A driver reports each stop as arrived, then completed or failed; a driver in a hurry may
skip "arrived". Phones have fast clocks and GPS that wanders, so a completion far from
the stop is accepted but flagged for a dispatcher rather than refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from dispatch.common.checks import require_aware
from dispatch.common.geo import haversine_km
from dispatch.errors import IllegalTransition, Invalid


class StopKind(StrEnum):
    """What happens at a stop: an order handed over, or a return's units collected."""

    DELIVERY = "delivery"
    PICKUP = "pickup"


class StopStatus(StrEnum):
    """Where a stop is on the driver's day."""

    PENDING = "pending"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    FAILED = "failed"


class RouteStatus(StrEnum):
    """The route statuses this module sets; planning may retire a route under others."""

    ACTIVE = "active"
    COMPLETED = "completed"


class FailureReason(StrEnum):
    """Why a stop could not be completed; the customer is told which."""

    NOT_HOME = "not_home"
    REFUSED = "refused"
    ADDRESS_NOT_FOUND = "address_not_found"
    DAMAGED = "damaged"
    ACCESS_DENIED = "access_denied"
    UNSAFE = "unsafe"
    OTHER = "other"


_S = StopStatus

STOP_TRANSITIONS: Mapping[StopStatus, frozenset[StopStatus]] = MappingProxyType({
    _S.PENDING: frozenset({_S.ARRIVED, _S.COMPLETED, _S.FAILED}),
    _S.ARRIVED: frozenset({_S.COMPLETED, _S.FAILED}),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset(),
})
"""Legal moves from each stop status; completed and failed are final."""

OPEN_STOPS: frozenset[StopStatus] = frozenset({_S.PENDING, _S.ARRIVED})
"""Statuses that keep a route going."""

MAX_FUTURE_SKEW = timedelta(seconds=30)
"""How far ahead of the server an event time may be: phone clocks run a little fast (the
same allowance position pings get, ``dispatch.tracking.pings.PingLimits``)."""


def check_stop_transition(current: StopStatus, target: StopStatus) -> None:
    """Raise ``IllegalTransition`` (409) unless ``current -> target`` is a legal move."""
    if target not in STOP_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition("stop", current, target)


def route_finished(statuses: Iterable[str]) -> bool:
    """True once no stop is left pending or arrived (an empty route is finished too)."""
    return not any(StopStatus(status) in OPEN_STOPS for status in statuses)


def check_recipient(kind: StopKind, recipient_name: str | None) -> None:
    """A delivery needs the name of whoever took the parcel; a pickup does not."""
    if kind is StopKind.DELIVERY and not recipient_name:
        raise Invalid("a delivery needs the name of whoever took the parcel",
                      field="recipient_name")


def check_event_time(at: datetime, *, now: datetime, started: datetime,
                     arrived_at: datetime | None = None,
                     max_future_skew: timedelta = MAX_FUTURE_SKEW) -> None:
    """Refuse (422 naming ``at``) an event time in the future beyond the clock skew
    allowance, before the route was published (``started``; a driver may leave before
    the planned start), or before the driver arrived at the stop."""
    require_aware(at, "at")
    require_aware(now, "now")
    if at - now > max_future_skew:
        raise Invalid(f"at is {(at - now).total_seconds():.0f}s in the future (at most"
                      f" {max_future_skew.total_seconds():.0f}s allowed)", field="at")
    if at < started:
        raise Invalid(f"at is before the route was published ({started.isoformat()})",
                      field="at")
    if arrived_at is not None and at < arrived_at:
        raise Invalid(f"at is before the arrival at this stop ({arrived_at.isoformat()})",
                      field="at")


def check_position(lat: float | None, lon: float | None) -> None:
    """Coordinates come in pairs."""
    if (lat is None) != (lon is None):
        raise Invalid("give both lat and lon, or neither", field="lat" if lat is None else "lon")


@dataclass(frozen=True)
class Distance:
    """How far from the stop the driver reported the event, and whether that looks wrong."""

    meters: float | None
    flagged_far: bool


def distance_from_stop(stop_lat: float, stop_lon: float, lat: float | None,
                       lon: float | None, *, far_meters: float) -> Distance:
    """Distance in metres from the stop to where the driver was (unknown when ``lat`` is
    None: never flagged); beyond ``far_meters`` it is flagged, not refused."""
    if lat is None or lon is None:
        return Distance(None, False)
    meters = haversine_km(stop_lat, stop_lon, lat, lon) * 1000.0
    return Distance(meters, meters > far_meters)


def position_is_current(recorded_at: datetime, at: datetime, max_age: timedelta) -> bool:
    """Whether a stored position says where the driver was at ``at`` (within ``max_age``
    either side); an older one would flag a completion because the phone went quiet."""
    return abs(at - recorded_at) <= max_age


@dataclass(frozen=True)
class EtaError:
    """An arrival measured against the latest estimate: ``error`` is actual minus
    estimate (positive: late), ``lead`` how long before the arrival it was made."""

    error_seconds: float
    lead_seconds: float


def eta_error(arrived_at: datetime, eta: datetime, estimated_at: datetime) -> EtaError:
    """The ETA error of one arrival, for the ETA engine to widen its windows from."""
    return EtaError((arrived_at - eta).total_seconds(),
                    (arrived_at - estimated_at).total_seconds())
