"""One simulated day: a scenario's orders arrive, are placed, picked and made ready,
waves are planned by each warehouse's batching policy and committed, drivers ride their
routes, ping and report stops, all through the real services on a real database, with
every timestamp from the simulated clock. Same scenario and seed, same day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dispatch.common import clock
from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.planning import waves, worker
from dispatch.planning.wave_commit import commit_finished_waves
from dispatch.routing.matrices import RoadMatrix
from dispatch.scenarios.behaviour import Behaviour
from dispatch.scenarios.demand import OrderArrival, generate_orders
from dispatch.scenarios.schema import Scenario
from dispatch.settings import Settings
from dispatch.sim import greedy, notify, placing
from dispatch.sim.agenda import Agenda
from dispatch.sim.drivers import Fleet
from dispatch.sim.roads import RoadTravel
from dispatch.sim.setup import Operation, seed_operation
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta import EtaLimits

log = logging.getLogger(__name__)

POLICIES = ("planned", "greedy")
DEFAULT_DAY = date(2026, 6, 1)
"""The day simulated when neither the scenario nor the caller names one (a Monday): a
fixed day, so the same seed gives the same timestamps too."""
TICK = timedelta(minutes=1)
ETA_SAMPLE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class SimOptions:
    """How to run the day. ``solution_limit`` makes every plan reproducible."""

    seed: int = 0
    policy: str = "planned"  # or "greedy": each ready order alone to the nearest free driver
    day: date | None = None
    until_minute: int | None = None  # stop at this clock time (minutes after midnight)
    solution_limit: int = 200
    plan_time_limit: float = 10.0
    osm: Path | None = None  # a road network to plan and drive on; None: great circle


@dataclass
class Refusal:
    ref: str
    at: datetime
    code: str
    detail: str


@dataclass
class DayRun:
    """What happened: the operation as seeded, the fleet's day, and what the service
    refused; the rest is in the database."""

    scenario: Scenario
    options: SimOptions
    database: Database
    operation: Operation
    fleet: Fleet
    day_start: datetime
    started: datetime
    ended: datetime
    placed: dict[str, int] = field(default_factory=dict)  # arrival ref -> order id
    refused: list[Refusal] = field(default_factory=list)
    eta_samples: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    notifications: notify.RecordingChannel = field(default_factory=notify.RecordingChannel)
    roads: RoadTravel | None = None  # the day's road network (``options.osm``)

    @property
    def travel(self) -> RoadMatrix | None:
        """What plans time their legs with: the road matrix, or None (great circle)."""
        return self.roads.matrix if self.roads is not None else None


def scenario_settings(scenario: Scenario) -> dict[str, Any]:
    """The service settings the scenario's operation runs with: how its automatic waves
    route, and the average time at a door, which its dispatcher knows."""
    waves_ = scenario.waves
    return {"wave_serve_late": waves_.serve_late, "wave_horizon_minutes": waves_.horizon_minutes,
            "wave_depart_now": waves_.depart_now,
            "wave_close_margin_minutes": waves_.close_margin_minutes,
            "service_seconds_default": scenario.service_minutes.mean * 60,
            "service_seconds_per_kg": scenario.service_minutes.per_kg * 60}


def simulate(database: Database, scenario: Scenario, options: SimOptions = SimOptions(),
             *, progress: Callable[[float], None] | None = None) -> DayRun:
    """Run the day on ``database`` (migrated and empty); ``progress`` gets the share done."""
    if options.policy not in POLICIES:
        raise ValueError(f"policy: expected one of {', '.join(POLICIES)}, got {options.policy!r}")
    day_start = scenario.day_start(options.day or scenario.date or DEFAULT_DAY)
    settings = Settings(database_url=str(database.engine.url), relay_enabled=False,
                        wave_scheduler_enabled=False, wave_auto_commit=True,
                        **scenario_settings(scenario),
                        plan_solution_limit=options.solution_limit,
                        plan_time_limit_default=options.plan_time_limit,
                        plan_time_limit_max=max(60.0, options.plan_time_limit))
    arrivals = generate_orders(scenario, seed=options.seed, day_start=day_start)
    roads = _roads(scenario, arrivals, options.osm)
    shifts = [day_start + timedelta(minutes=int(m)) for g in scenario.fleet
              for span in g.shifts for m in span]
    start = min([*shifts, *(a.placed_at for a in arrivals)])
    end = max(shifts) + timedelta(hours=1)
    if options.until_minute is not None:
        end = min(end, day_start + timedelta(minutes=options.until_minute))
    agenda = Agenda(start)
    with clock.simulated(lambda: agenda.now):
        operation = seed_operation(database, scenario, day_start)
        behaviour = Behaviour(scenario, options.seed)
        depots = {d.id: (d.lat, d.lon) for d in scenario.depots}
        fleet = Fleet(database, operation, agenda, behaviour, depots,
                      travel=roads.legs if roads is not None else None,
                      eta_limits=EtaLimits.from_settings(settings))
        run = DayRun(scenario, options, database, operation, fleet, day_start, start, end,
                     roads=roads)
        depot_of = {wid: depot for depot, wid in operation.warehouses.items()}
        for arrival in arrivals:
            agenda.at(arrival.placed_at,
                      lambda a=arrival: _place(run, settings, behaviour, depot_of, a))
        t = start
        while t <= end:
            agenda.at(t, lambda: _tick(run, settings))
            t += TICK
        span = (end - start).total_seconds() or 1.0
        agenda.run(end, on_step=(lambda now: progress((now - start).total_seconds() / span))
                   if progress else None)
    return run


def _roads(scenario: Scenario, arrivals: list[OrderArrival],
           osm: Path | None) -> RoadTravel | None:
    """The road network of ``osm``, once every depot and address is found near a road."""
    if osm is None:
        return None
    roads = RoadTravel.from_osm(osm)
    roads.check_on_map([(f"depot {d.id}", d.lat, d.lon) for d in scenario.depots]
                       + [(f"order {a.ref}", a.lat, a.lon) for a in arrivals])
    return roads


def _place(run: DayRun, settings: Settings, behaviour: Behaviour,
           depot_of: dict[int, str], arrival: OrderArrival) -> None:
    now = run.fleet.agenda.now
    try:
        placed = placing.place_arrival(run.database, settings, arrival,
                                       run.operation.dispatcher)
    except DomainError as error:
        run.refused.append(Refusal(arrival.ref, now, error.code, error.detail))
        return
    run.placed[arrival.ref] = placed.id
    if placed.status != "confirmed":
        return
    ready_at = now + timedelta(seconds=behaviour.picking_seconds(depot_of[placed.warehouse_id]))
    run.fleet.agenda.at(ready_at, lambda: _pick(run, placed.id, arrival))


def _pick(run: DayRun, order_id: int, arrival: OrderArrival) -> None:
    try:
        placing.pick_arrival(run.database, order_id, arrival, run.operation.operator)
    except DomainError as error:
        log.warning("order %s not picked: %s", order_id, error.detail)


def _tick(run: DayRun, settings: Settings) -> None:
    """Every simulated minute: due waves are planned and committed, idle drivers with
    work leave, customers are notified of what happened, and every five minutes the ETAs
    customers see are sampled."""
    now = run.fleet.agenda.now
    if run.options.policy == "greedy":
        greedy.dispatch_ready(run, settings, now)
    else:
        waves.run_due_waves(run.database, settings, now=now,
                            runner=worker.inline_runner(run.travel))
        commit_finished_waves(run.database, settings, now=now)
    run.fleet.wake_idle()
    notify.relay(run.database, settings, run.notifications, now)
    if (now - run.started) % ETA_SAMPLE_EVERY == timedelta(0):
        _sample_etas(run, now)


def _sample_etas(run: DayRun, now: datetime) -> None:
    with run.database.read_uow() as uow:
        rows = uow.db.execute(
            select(RouteStop.id, RouteStop.eta)
            .join(DriverRoute, DriverRoute.id == RouteStop.route_id)
            .where(DriverRoute.status == "active", RouteStop.status == "pending",
                   RouteStop.kind == "delivery")).all()
    run.eta_samples.extend((stop_id, now, eta) for stop_id, eta in rows)
