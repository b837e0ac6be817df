"""How the day deviates from the plan, drawn for the simulator one event at a time.

Each kind of draw has its own random stream, and every call takes the same number of
variates whatever its outcome, so changing ``not_home_rate`` (or asking for one more
travel factor) leaves the other draws of a seeded day exactly as they were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from dispatch.scenarios.base import Spread
from dispatch.scenarios.schema import Scenario
from dispatch.scenarios.streams import streams


@dataclass(frozen=True)
class ReturnRequest:
    """A delivered order the customer sends back ``after`` its delivery."""

    reason: str
    exchange: bool
    after: timedelta


class Behaviour:
    """Random draws for one simulated day of ``scenario``; the same seed, the same day."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self._scenario = scenario
        self._travel, self._service, self._not_home, self._returns, self._picking = streams(
            seed, "travel", "service", "not_home", "returns", "picking")
        returns = scenario.noise.returns
        self._reasons = [str(reason) for reason in returns.reasons]
        weights = np.array(list(returns.reasons.values()), dtype=float)
        self._reason_cdf = np.cumsum(weights / weights.sum())
        self._grams = {sku.code: sku.weight_g for sku in scenario.catalogue.skus}

    def travel_factor(self) -> float:
        """Actual over planned travel time for one leg: mean 1, ``travel_time_cv`` spread."""
        return _lognormal_factor(self._travel, self._scenario.noise.travel_time_cv)

    def service_seconds(self, goods: Iterable[tuple[str, int]] = ()) -> float:
        """Time spent at one stop handing over or collecting ``goods`` (SKU code,
        quantity): ``service_minutes`` (its per-stop spread and per-kg part), varied by
        ``service_time_cv``."""
        doorstep = self._scenario.service_minutes
        grams = sum(self._grams.get(code, 0) * quantity for code, quantity in goods)
        planned = _uniform_minutes(self._service, doorstep) + doorstep.per_kg * grams / 1000.0
        return planned * 60 * _lognormal_factor(self._service, self._scenario.noise.service_time_cv)

    def not_home(self) -> bool:
        """Whether the customer misses this delivery attempt."""
        return bool(self._not_home.random() < self._scenario.noise.not_home_rate)

    def wants_return(self) -> ReturnRequest | None:
        """For a delivered order: the return its customer asks for later, or None."""
        returns = self._scenario.noise.returns
        returning, exchange, reason, delay = self._returns.random(4)
        if returning >= returns.return_rate:
            return None
        index = min(int(np.searchsorted(self._reason_cdf, reason, side="right")),
                    len(self._reasons) - 1)
        return ReturnRequest(reason=self._reasons[index],
                             exchange=bool(exchange < returns.exchange_share),
                             after=timedelta(minutes=_spread_at(returns.after_minutes, delay)))

    def picking_seconds(self, depot_id: str) -> float:
        """Time from a placed order to ready at ``depot_id`` (its ``picking_minutes``)."""
        return _uniform_minutes(self._picking, self._scenario.depot(depot_id).picking_minutes) * 60


def _spread_at(spread: Spread, u: float) -> float:
    return spread.mean + spread.spread * (2 * u - 1)


def _uniform_minutes(rng: np.random.Generator, spread: Spread) -> float:
    return _spread_at(spread, float(rng.random()))


def _lognormal_factor(rng: np.random.Generator, cv: float) -> float:
    """A positive factor with mean 1 and coefficient of variation ``cv`` (1.0 when cv is 0)."""
    z = float(rng.standard_normal())
    if cv == 0:
        return 1.0
    sigma2 = math.log1p(cv * cv)
    return math.exp(-sigma2 / 2 + math.sqrt(sigma2) * z)
