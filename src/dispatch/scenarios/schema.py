"""What a scenario file may say: one day of a delivery operation, checked when it is read.

Every model forbids unknown keys, so a misspelt key is an error rather than a default
silently taking its place. Checks that span sections (a vehicle's depot, the SKUs a stock
line names) live on :class:`Scenario`. The demand section lives in ``demand_schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StrictInt, field_validator, model_validator

from dispatch.returns.domain import ReturnReason
from dispatch.scenarios.base import (
    Code,
    FieldProblem,
    Lat,
    Lon,
    Number,
    Share,
    Spread,
    Strictly,
    Weight,
)
from dispatch.scenarios.clock import Span
from dispatch.scenarios.demand_schema import Demand


class Batching(Strictly):
    """How a depot gathers waves: ``BatchPolicyIn``'s keys, checked the same way."""

    kind: Literal["on_demand", "periodic", "threshold"]
    every_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] | None = None
    min_ready: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None
    max_wait_minutes: Annotated[StrictInt, Field(ge=1, le=10_080)] | None = None

    @model_validator(mode="after")
    def _keys_of_kind(self) -> Batching:
        allowed = {"on_demand": {"kind"}, "periodic": {"kind", "every_minutes"},
                   "threshold": {"kind", "min_ready", "max_wait_minutes"}}[self.kind]
        given = {key for key in self.model_fields_set if getattr(self, key) is not None}
        for key in sorted(given - allowed):
            raise FieldProblem(key, f"not a key of a {self.kind} policy")
        if self.kind == "periodic" and self.every_minutes is None:
            raise FieldProblem("every_minutes", "a periodic policy needs it")
        if self.kind == "threshold" and self.min_ready is None and self.max_wait_minutes is None:
            raise FieldProblem("", "a threshold policy needs min_ready, max_wait_minutes or both")
        return self

    def as_config(self) -> dict[str, object]:
        """The body of ``PUT /warehouses/{id}/batch-policy``."""
        return self.model_dump(exclude_none=True)


class Depot(Strictly):
    """A warehouse or kitchen: where stock sits and routes start."""

    id: Code
    name: str = Field(min_length=1, max_length=120)
    lat: Lat
    lon: Lon
    hours: Span = Field(description="opening hours [HH:MM, HH:MM]")
    batching: Batching = Batching(kind="on_demand")
    picking_minutes: Spread = Field(description="from placed order to ready for dispatch")


class VehicleGroup(Strictly):
    """``count`` alike vehicles named ``{name_prefix}-1`` … at one depot."""

    count: Annotated[StrictInt, Field(ge=1, le=1000)]
    name_prefix: Code
    depot: str
    vehicle: Literal["bike", "cargo_bike", "car", "van", "truck"]
    capacity_weight_g: Annotated[StrictInt, Field(ge=1, le=50_000_000)]
    capacity_volume_ml: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    skills: tuple[str, ...] = ()
    shifts: tuple[Span, ...] = Field(min_length=1)
    speed_factor: Number = Field(1.0, gt=0, le=5, description="× the default road speed")

    @model_validator(mode="after")
    def _shifts_apart(self) -> VehicleGroup:
        for i in range(1, len(self.shifts)):
            (_, previous_end), (start, _) = self.shifts[i - 1], self.shifts[i]
            if start < previous_end:
                raise FieldProblem(f"shifts[{i}]", f"starts at {start}, before the previous "
                                   f"shift ends at {previous_end} (list shifts in order)")
        return self

    def names(self) -> list[str]:
        return [f"{self.name_prefix}-{n}" for n in range(1, self.count + 1)]


class CatalogueSku(Strictly):
    """A SKU as ``stock.models.Sku`` stores it; weight and volume load the vehicles."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    price_minor: Annotated[StrictInt, Field(ge=0, le=10**12)]
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    weight_g: Annotated[StrictInt, Field(ge=0, le=10**7)]
    volume_ml: Annotated[StrictInt, Field(ge=0, le=10**7)]
    skills: tuple[str, ...] = Field((), max_length=10, description="e.g. refrigerated")


class Catalogue(Strictly):
    skus: tuple[CatalogueSku, ...] = Field(min_length=1)
    opening_stock: dict[str, dict[str, Annotated[StrictInt, Field(ge=0, le=10**9)]]] = Field(
        default_factory=dict, description="depot id → SKU code → units on hand at opening")

    @model_validator(mode="after")
    def _codes_unique(self) -> Catalogue:
        for path, code in _duplicates("skus", [s.code for s in self.skus]):
            raise FieldProblem(f"{path}.code", f"{code!r} is listed twice")
        return self


class Returns(Strictly):
    """Delivered orders that come back later the same day."""

    return_rate: Share = Field(0.0, description="share of delivered orders returned")
    exchange_share: Share = Field(0.0, description="share of returns that are exchanges")
    reasons: dict[ReturnReason, Weight] = Field(
        default_factory=lambda: {ReturnReason.NO_LONGER_NEEDED: 1.0})
    after_minutes: Spread = Field(Spread(mean=120, spread=60),
                                  description="from delivery to the return request")

    @model_validator(mode="after")
    def _some_reason(self) -> Returns:
        if not self.reasons:
            raise FieldProblem("reasons", "give at least one reason with a weight")
        return self


class Noise(Strictly):
    """How the day deviates from the plan."""

    travel_time_cv: Number = Field(0.0, ge=0, le=2, description="coefficient of variation")
    service_time_cv: Number = Field(0.0, ge=0, le=2)
    not_home_rate: Share = 0.0
    returns: Returns = Returns()


class RoadNetwork(Strictly):
    osm: str | None = Field(None, description="OSM extract, relative to the repository root")


class Doorstep(Spread):
    """Minutes at each door: ``mean ± spread`` per stop, plus ``per_kg`` minutes for each
    kilogram handed over or collected. The dispatcher plans with the mean and the per-kg
    part; the spread and ``noise.service_time_cv`` are what no plan can know."""

    per_kg: Number = Field(0.0, ge=0, le=10)


class Waves(Strictly):
    """How the operation's automatic waves route: the service's ``wave_*`` settings."""

    horizon_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] | None = Field(
        None, description="route only work whose window opens within this many minutes")
    serve_late: bool = Field(
        True, description="route work whose window can no longer be kept, late, as well")
    depart_now: bool = Field(
        False, description="drivers leave as soon as a wave is published (hot food)")
    close_margin_minutes: Annotated[StrictInt, Field(ge=0, le=240)] = Field(
        0, description="aim to serve this long before each window closes")


class Scenario(Strictly):
    """One day of a delivery operation for the day simulator."""

    name: Code
    description: str = ""
    date: dt.date | None = Field(None, description="the day; the simulator picks one if unset")
    timezone: str = "UTC"
    depots: tuple[Depot, ...] = Field(min_length=1)
    fleet: tuple[VehicleGroup, ...] = Field(min_length=1)
    catalogue: Catalogue
    demand: Demand
    service_minutes: Doorstep
    noise: Noise = Noise()
    waves: Waves = Waves()
    road_network: RoadNetwork | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Monaco)") from None
        return value

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        for problem in self._problems():
            raise problem
        return self

    def _problems(self) -> Iterator[FieldProblem]:
        depots = {d.id for d in self.depots}
        skus = {s.code for s in self.catalogue.skus}
        for path, depot in _duplicates("depots", [d.id for d in self.depots]):
            yield FieldProblem(f"{path}.id", f"{depot!r} is listed twice")
        for i, group in enumerate(self.fleet):
            if group.depot not in depots:
                yield FieldProblem(f"fleet[{i}].depot", f"unknown depot {group.depot!r} "
                                   f"(depots: {', '.join(sorted(depots))})")
        for path, prefix in _duplicates("fleet", [g.name_prefix for g in self.fleet]):
            yield FieldProblem(f"{path}.name_prefix", f"{prefix!r} is used by another group")
        for depot, lines in self.catalogue.opening_stock.items():
            if depot not in depots:
                yield FieldProblem(f"catalogue.opening_stock.{depot}", "unknown depot")
            for code in lines:
                if code not in skus:
                    yield FieldProblem(f"catalogue.opening_stock.{depot}.{code}", "unknown SKU")
        for code in self.demand.basket.popularity:
            if code not in skus:
                yield FieldProblem(f"demand.basket.popularity.{code}", "unknown SKU")
        if self.demand.basket.lines.max > len(skus):
            yield FieldProblem("demand.basket.lines.max", f"{self.demand.basket.lines.max} "
                               f"distinct lines, but the catalogue has {len(skus)} SKUs")
        skills = {skill for group in self.fleet for skill in group.skills}
        for i, sku in enumerate(self.catalogue.skus):
            for skill in sku.skills:
                if skill not in skills:
                    yield FieldProblem(f"catalogue.skus[{i}].skills",
                                       f"no vehicle in the fleet has skill {skill!r}")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_start(self, day: dt.date | None = None) -> dt.datetime:
        """Local midnight of ``day`` (default: the scenario's date); clock times count from it."""
        day = day or self.date
        if day is None:
            raise ValueError("the scenario has no date: pass the day to simulate")
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz)

    def depot(self, depot_id: str) -> Depot:
        return next(d for d in self.depots if d.id == depot_id)

    def sku(self, code: str) -> CatalogueSku:
        return next(s for s in self.catalogue.skus if s.code == code)


def _duplicates(field: str, values: list[str]) -> Iterator[tuple[str, str]]:
    """``(path, value)`` for each repeat of an earlier value."""
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield f"{field}[{i}]", value
        seen.add(value)
