"""The demand section of a scenario: when orders arrive, what they hold, where they go,
which delivery window they ask for and how they pay.

Window slots are computed here (:meth:`Windows.slots`) so that loading can prove the last
order of the day still gets a window, and generation uses the very same rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, StrictInt, model_validator

from dispatch.scenarios.base import FieldProblem, Lat, Lon, Number, Share, Strictly, Weight
from dispatch.scenarios.clock import DAY_MINUTES, Clock, ClockTime

MAX_LINES = 100
"""An order holds at most this many lines (``orders.schemas.OrderCreate``)."""


class RatePiece(Strictly):
    """Orders arrive at ``per_hour`` on average from ``from`` to ``to``."""

    start: ClockTime = Field(alias="from")
    end: ClockTime = Field(alias="to")
    per_hour: Number = Field(ge=0, le=100_000)

    @model_validator(mode="after")
    def _ordered(self) -> RatePiece:
        if self.end <= self.start:
            raise FieldProblem("to", f"end {self.end} is not after start {self.start}")
        return self

    @property
    def expected(self) -> float:
        return self.per_hour * (self.end - self.start) / 60


class Range(Strictly):
    """Whole numbers from ``min`` to ``max``, both included."""

    min: Annotated[StrictInt, Field(ge=1, le=10_000)]
    max: Annotated[StrictInt, Field(ge=1, le=10_000)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise FieldProblem("max", f"{self.max} is below min {self.min}")
        return self


class Basket(Strictly):
    """Distinct SKUs per order, units per line, and how popular each SKU is."""

    lines: Range = Range(min=1, max=3)
    quantity: Range = Range(min=1, max=1)
    popularity: dict[str, Weight] = Field(
        default_factory=dict, description="SKU code → relative weight; unlisted SKUs weigh 1")

    @model_validator(mode="after")
    def _fits_an_order(self) -> Basket:
        if self.lines.max > MAX_LINES:
            raise FieldProblem("lines.max", f"an order holds at most {MAX_LINES} lines")
        return self


class Circle(Strictly):
    lat: Lat
    lon: Lon
    radius_m: Number = Field(gt=0, le=100_000)


class Box(Strictly):
    min_lat: Lat
    min_lon: Lon
    max_lat: Lat
    max_lon: Lon

    @model_validator(mode="after")
    def _ordered(self) -> Box:
        if self.max_lat <= self.min_lat:
            raise FieldProblem("max_lat", f"{self.max_lat:g} is not above min_lat {self.min_lat:g}")
        if self.max_lon <= self.min_lon:
            raise FieldProblem("max_lon", f"{self.max_lon:g} is not above min_lon {self.min_lon:g}")
        return self


class Zone(Strictly):
    """An area customers live in, a circle or a lat/lon box, chosen by ``weight``."""

    name: str = Field(min_length=1, max_length=80)
    weight: Weight = 1.0
    circle: Circle | None = None
    box: Box | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Zone:
        if (self.circle is None) == (self.box is None):
            raise FieldProblem("", "give exactly one of circle or box")
        return self


class Point(Strictly):
    """A fixed address customers live at, chosen by ``weight``."""

    lat: Lat
    lon: Lon
    weight: Weight = 1.0
    name: str | None = Field(None, max_length=80)


class Windows(Strictly):
    """Delivery windows: ``width_minutes`` long, starting at least ``lead_minutes`` after
    the order, on a grid of ``align_minutes`` counted from ``first_start`` (or midnight),
    and ending by ``last_end``. The customer picks among the first ``choices`` slots."""

    width_minutes: Annotated[StrictInt, Field(ge=1, le=DAY_MINUTES)]
    lead_minutes: Annotated[StrictInt, Field(ge=0, le=DAY_MINUTES)] = 0
    align_minutes: Annotated[StrictInt, Field(ge=1, le=DAY_MINUTES)] | None = None
    first_start: ClockTime | None = None
    last_end: ClockTime | None = None
    choices: Annotated[StrictInt, Field(ge=1, le=50)] = 1

    @model_validator(mode="after")
    def _room_for_one(self) -> Windows:
        first, last = self.first_start or 0, self.last_end or DAY_MINUTES
        if first + self.width_minutes > last:
            where = "last_end" if self.last_end is not None else "width_minutes"
            raise FieldProblem(where, f"a {self.width_minutes}-minute window starting at "
                               f"{Clock(first)} ends after {Clock(last)}")
        return self

    def slots(self, placed_minute: float) -> list[int]:
        """Start minutes of the windows open to an order placed at ``placed_minute``."""
        anchor = self.first_start or 0
        step = self.align_minutes or 1
        earliest = max(placed_minute + self.lead_minutes, anchor)
        first = anchor + step * math.ceil((earliest - anchor) / step - 1e-9)
        gap = self.align_minutes or self.width_minutes
        last_end = self.last_end if self.last_end is not None else DAY_MINUTES
        starts = (first + j * gap for j in range(self.choices))
        return [s for s in starts if s + self.width_minutes <= last_end]


class Payment(Strictly):
    """Shares of card and cash-on-delivery orders; ``declined`` of the card ones fail."""

    card: Share = 1.0
    cash: Share = 0.0
    declined: Share = 0.0

    @model_validator(mode="after")
    def _whole(self) -> Payment:
        if not math.isclose(self.card + self.cash, 1.0, abs_tol=1e-9):
            raise FieldProblem("", f"card {self.card:g} and cash {self.cash:g} must add up to 1")
        return self


class Demand(Strictly):
    """The day's orders as a non-homogeneous Poisson process over the ``rate`` pieces."""

    rate: tuple[RatePiece, ...] = Field(min_length=1)
    basket: Basket = Basket()
    zones: tuple[Zone, ...] | None = Field(None, min_length=1)
    points: tuple[Point, ...] | None = Field(None, min_length=1)
    windows: Windows
    payment: Payment = Payment()
    customer_pool: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        500, description="distinct customers orders are drawn from (so some repeat)")

    @model_validator(mode="after")
    def _consistent(self) -> Demand:
        if (self.zones is None) == (self.points is None):
            raise FieldProblem("", "give exactly one of zones or points (where customers are)")
        _check_pieces(self.rate)
        if self.expected_orders <= 0:
            raise FieldProblem("rate", "every per_hour is 0, so no order would arrive")
        names = [z.name for z in self.zones or ()]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise FieldProblem(f"zones[{i}].name", f"{name!r} is listed twice")
        last = max(p.end for p in self.rate if p.per_hour > 0)
        if not self.windows.slots(last):
            w = self.windows
            raise FieldProblem("windows", f"an order placed at {last} gets no window: "
                               f"{w.lead_minutes} min lead, {w.width_minutes} min wide, "
                               f"ending by {w.last_end or Clock(DAY_MINUTES)}")
        return self

    @property
    def expected_orders(self) -> float:
        """The integral of the rate over the day: the mean number of orders."""
        return sum(p.expected for p in self.rate)


def _check_pieces(pieces: Sequence[RatePiece]) -> None:
    for i in range(1, len(pieces)):
        if pieces[i].start < pieces[i - 1].end:
            raise FieldProblem(f"rate[{i}]", f"starts at {pieces[i].start}, before rate[{i - 1}]"
                               f" ends at {pieces[i - 1].end} (list pieces in order)")
