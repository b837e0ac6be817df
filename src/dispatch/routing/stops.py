"""Stops: deliveries, pickups and the two halves of a pickup-and-delivery pair."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dispatch.routing.locations import Location
from dispatch.routing.quantities import quantities
from dispatch.routing.windows import TimeWindow, normalise_windows


class StopKind(StrEnum):
    """Deliveries are loaded at the start; pickups are loaded at the stop."""

    DELIVERY = "delivery"
    PICKUP = "pickup"


@dataclass(frozen=True, slots=True)
class Stop:
    """A place a vehicle must (or may) visit.

    Optional stops (``required=False``) can be left out at ``drop_penalty``; required
    stops are still never refused outright, they are dropped only at a penalty far above
    any routing cost and reported with a reason.

    With ``late_cost_per_hour`` the close of the last window is soft: the stop may be served
    after it at that cost per hour late (in the units of ``cost_per_km``), so work that can
    no longer be on time is still served, as late as little as the routes allow.

    ``close_margin`` (seconds) asks for service that long before the close, where the routes
    allow: each hour spent inside the margin costs ``margin_cost_per_hour``. Plans then keep
    slack for the traffic and doorsteps that make real days run late.

    ``promised_by`` (seconds) is when the customer was told service would have begun: each
    hour past it costs ``promise_cost_per_hour``, so a re-plan does not reshuffle a trip
    and move people's ETAs for a few metres saved. It takes the place of the margin (the
    promise was made with it) and yields to a soft close (a lost window is late anyway).
    """

    id: str
    location: Location
    kind: StopKind = StopKind.DELIVERY
    windows: tuple[TimeWindow, ...] = ()
    service_time: float = 0.0
    demand: Mapping[str, float] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()
    required: bool = True
    priority: int = 0
    drop_penalty: float | None = None
    late_cost_per_hour: float | None = None
    close_margin: float = 0.0
    margin_cost_per_hour: float = 0.0
    promised_by: float | None = None
    promise_cost_per_hour: float = 0.0

    @property
    def soft_close(self) -> bool:
        return self.late_cost_per_hour is not None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("stop id must be a non-empty string")
        where = f"stop {self.id!r}"
        object.__setattr__(self, "kind", StopKind(self.kind))
        windows = self.windows or (TimeWindow(0.0, math.inf),)
        object.__setattr__(self, "windows", normalise_windows(windows, f"{where}: windows"))
        service = float(self.service_time)
        if math.isnan(service) or math.isinf(service) or service < 0:
            raise ValueError(f"{where}: service_time must not be negative, got {service}")
        object.__setattr__(self, "service_time", service)
        object.__setattr__(self, "demand", quantities(self.demand, f"{where}: demand"))
        object.__setattr__(self, "skills", frozenset(self.skills))
        if self.drop_penalty is not None and (
            math.isnan(self.drop_penalty) or self.drop_penalty < 0
        ):
            raise ValueError(f"{where}: drop_penalty must not be negative")
        late = self.late_cost_per_hour
        if late is not None and (math.isnan(late) or math.isinf(late) or late < 0):
            raise ValueError(f"{where}: late_cost_per_hour must be a non-negative number")
        promised = self.promised_by
        if promised is not None and (math.isnan(promised) or math.isinf(promised)):
            raise ValueError(f"{where}: promised_by must be a finite number")
        for name in ("close_margin", "margin_cost_per_hour", "promise_cost_per_hour"):
            value = getattr(self, name)
            if math.isnan(value) or math.isinf(value) or value < 0:
                raise ValueError(f"{where}: {name} must be a non-negative number")
        if not isinstance(self.priority, int) or self.priority < 0:
            raise ValueError(f"{where}: priority must be a non-negative integer")

    @property
    def keeps_promise(self) -> bool:
        """Whether the promise, not the margin, prices this stop's service time."""
        return (self.promised_by is not None and self.promise_cost_per_hour > 0
                and not self.soft_close)

    def timing_cost(self, begin: float) -> float:
        """What service beginning at ``begin`` costs beyond the route: past the promise,
        or inside the close margin (lateness past a soft close is priced apart)."""
        if self.keeps_promise:
            return max(0.0, begin - self.promised_by) / 3600.0 * self.promise_cost_per_hour
        return self.margin_intrusion(begin) / 3600.0 * self.margin_cost_per_hour

    def margin_intrusion(self, begin: float) -> float:
        """Seconds of ``close_margin`` used by service beginning at ``begin``."""
        if not self.close_margin:
            return 0.0
        close = self.windows[-1].end
        return min(self.close_margin, max(0.0, begin - (close - self.close_margin)))


@dataclass(frozen=True, slots=True)
class Pair:
    """A pickup and its delivery: same vehicle, pickup first."""

    pickup: str
    delivery: str

    def __post_init__(self) -> None:
        if self.pickup == self.delivery:
            raise ValueError(f"pair: pickup and delivery are the same stop {self.pickup!r}")
