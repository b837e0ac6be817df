"""Simulated drivers: they leave with their committed route, ride each leg with noisy
travel times, ping their position on the way, and report arrivals, completions and
failed attempts through the same services the driver app calls.

A driver reads their route again after every stop (as the app would), so stops a
re-plan added on the way are picked up. Travel takes the planning matrix's time for the
leg (``sim.legs``: great circle by default, or ``sim.roads``), divided by the vehicle's
speed factor and multiplied by a noise factor.

Pickup stops (returns) are served like deliveries; what a driver collected is handed to
the return desk when they are back at the depot, and every delivery may later bring a
return.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.scenarios.behaviour import Behaviour
from dispatch.sim.agenda import Agenda
from dispatch.sim.legs import LegSource, StraightLegs
from dispatch.sim.returns import ReturnDesk
from dispatch.sim.setup import Operation, SimDriver
from dispatch.stoplists import departure, events, reading
from dispatch.stoplists.domain import FailureReason
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.stoplists.schemas import ArrivedIn, CompletedIn, FailedIn, StopRead
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.locations import PingIn, record_ping

log = logging.getLogger(__name__)

PING_SECONDS = 30.0


@dataclass
class DriverState:
    """Where a simulated driver is and what they have done today."""

    driver: SimDriver
    lat: float
    lon: float
    busy: bool = False
    driven_m: float = 0.0
    busy_seconds: float = 0.0
    skipped: set[int] = field(default_factory=set)  # stops the service refused to serve
    legs: list[tuple[datetime, datetime, float, float, float, float]] = field(
        default_factory=list)


class Fleet:
    """Moves every simulated driver through the agenda."""

    def __init__(self, database: Database, operation: Operation, agenda: Agenda,
                 behaviour: Behaviour, depots: dict[str, tuple[float, float]], *,
                 travel: LegSource | None = None, eta_limits: EtaLimits | None = None) -> None:
        self.database = database
        # The ETA engine's settings, as the service's ping and stop-event endpoints use them.
        self.eta_limits = eta_limits
        self.stop_rules = events.StopRules(eta_limits=eta_limits)
        self.travel = travel or StraightLegs()  # great-circle legs, or a road network's
        self.agenda = agenda
        self.behaviour = behaviour
        self.depots = depots
        self.states = {d.id: DriverState(d, *depots[d.depot]) for d in operation.drivers}
        self.returns = ReturnDesk(database, operation, agenda, behaviour)

    # --- starting a route ------------------------------------------------------------------
    def wake_idle(self) -> None:
        """Send every idle driver whose route is waiting on their way (at its start).
        One query for all of them: this runs every simulated minute."""
        idle = [s.driver.id for s in self.states.values() if not s.busy]
        if not idle:
            return
        with self.database.read_uow() as uow:
            waiting = set(uow.db.scalars(
                select(DriverRoute.driver_id).join(RouteStop)
                .where(DriverRoute.driver_id.in_(idle), DriverRoute.status == "active",
                       RouteStop.status == "pending")))
        for driver_id in sorted(waiting):
            state = self.states[driver_id]
            route = self._route(state)
            if route is not None and self._pending(route, state):
                state.busy = True
                self.start(state, route)

    def start(self, state: DriverState, route=None) -> None:
        """Set off on the driver's active route at its planned start (or now)."""
        route = route or self._route(state)
        if route is None:
            state.busy = False
            return
        start = max(self.agenda.now, route.planned_start)
        self.agenda.at(start, lambda: self._depart(state))

    def _route(self, state: DriverState):
        try:
            return reading.my_route(self.database.read_uow(), state.driver.id)
        except DomainError:  # no active route
            return None

    @staticmethod
    def _pending(route, state: DriverState) -> list[StopRead]:
        return [s for s in route.stops if s.status == "pending" and s.id not in state.skipped]

    def _depart(self, state: DriverState) -> None:
        route = self._route(state)
        if (route is not None and route.departed_at is None
                and route.planned_start > self.agenda.now):
            # A later wave re-planned the trip to leave later: wait for that.
            self.agenda.at(route.planned_start, lambda: self._depart(state))
            return
        if route is not None and route.departed_at is None:
            try:
                departure.depart(self.database.uow(), state.driver.principal,
                                 now=self.agenda.now, eta_limits=self.eta_limits)
            except DomainError as error:
                log.warning("%s could not depart: %s", state.driver.name, error.detail)
        self._next(state)

    # --- riding ----------------------------------------------------------------------------
    def _next(self, state: DriverState) -> None:
        route = self._route(state)
        pending = self._pending(route, state) if route is not None else []
        if not pending:
            home = self.depots[state.driver.depot]
            self._ride(state, home, lambda: self._home(state))
            return
        stop = pending[0]
        self._ride(state, (stop.lat, stop.lon), lambda: self._at_door(state, stop))

    def _home(self, state: DriverState) -> None:
        self.returns.unload(state.driver.id)
        state.busy = False
        self.wake_idle()

    def _ride(self, state: DriverState, to: tuple[float, float], then) -> None:
        leg = self.travel.leg((state.lat, state.lon), to)
        seconds = leg.seconds * self.behaviour.travel_factor() / state.driver.speed_factor
        start, origin = self.agenda.now, (state.lat, state.lon)
        state.driven_m += leg.metres
        state.busy_seconds += seconds
        state.legs.append((start, start + timedelta(seconds=seconds), *origin, *to))
        steps = int(seconds // PING_SECONDS)
        for k in range(1, steps + 1):
            at = start + timedelta(seconds=k * PING_SECONDS)
            where = leg.position(k * PING_SECONDS / seconds)
            self.agenda.at(at, lambda w=where: self._ping(state, w))
        self.agenda.at(start + timedelta(seconds=seconds),
                       lambda: self._arrived_at(state, to, then))

    def _arrived_at(self, state: DriverState, to: tuple[float, float], then) -> None:
        self._ping(state, to)
        then()

    def _ping(self, state: DriverState, where: tuple[float, float]) -> None:
        state.lat, state.lon = where
        try:
            record_ping(self.database.uow(), state.driver.id,
                        PingIn(lat=where[0], lon=where[1], timestamp=self.agenda.now),
                        now=self.agenda.now, eta_limits=self.eta_limits)
        except DomainError as error:
            log.warning("ping of %s refused: %s", state.driver.name, error.detail)

    # --- at the door -----------------------------------------------------------------------
    def _at_door(self, state: DriverState, stop: StopRead) -> None:
        """Early for the window: wait for it to open, as the plan assumed."""
        if self.agenda.now < stop.window_start:
            self.agenda.at(stop.window_start, lambda: self._arrive(state, stop))
        else:
            self._arrive(state, stop)

    def _arrive(self, state: DriverState, stop: StopRead) -> None:
        principal, now = state.driver.principal, self.agenda.now
        try:
            events.arrive(self.database.uow(), principal, stop.id,
                          ArrivedIn(at=now, lat=stop.lat, lon=stop.lon), now=now,
                          rules=self.stop_rules)
        except DomainError as error:  # the stop left the route (a re-plan): go on
            log.info("%s skips stop %s: %s", state.driver.name, stop.id, error.detail)
            state.skipped.add(stop.id)
            self._next(state)
            return
        service = self.behaviour.service_seconds(
            (item.sku, item.quantity) for item in (*stop.items, *stop.collect))
        state.busy_seconds += service
        self.agenda.at(now + timedelta(seconds=service), lambda: self._finish(state, stop))

    def _finish(self, state: DriverState, stop: StopRead) -> None:
        principal, now = state.driver.principal, self.agenda.now
        try:
            if self.behaviour.not_home():  # a pickup failed is planned again, too
                events.fail(self.database.uow(), principal, stop.id,
                            FailedIn(reason=FailureReason.NOT_HOME, at=now), now=now,
                            rules=self.stop_rules)
            else:
                name = stop.customer.name if stop.customer else "Customer"
                events.complete(self.database.uow(), principal, stop.id,
                                CompletedIn(recipient_name=name, at=now), now=now,
                                rules=self.stop_rules)
                if stop.kind == "delivery":
                    self.returns.delivered(stop.order_id)
        except DomainError as error:
            log.warning("%s could not finish stop %s: %s", state.driver.name, stop.id,
                        error.detail)
            state.skipped.add(stop.id)
        self._next(state)
