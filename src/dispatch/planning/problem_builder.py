"""From a plan's snapshot (plain dataclasses) to a routing ``Problem``; no database here.

Times become seconds from the plan's ``origin`` (the moment the snapshot was taken).
One vehicle per driver shift: it starts at the driver's warehouse, or, for a route under
way, at the driver's last known position and no earlier than the origin. Deliveries are on
board at the start and unload at their stop; return pickups load at theirs, so the
vehicle's capacity holds at every point of the route. Work whose window closes before any
vehicle could reach it is reported as ``window_passed`` rather than handed to the solver.
The inputs are picklable, so a worker process can rebuild the same problem from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.common.checks import require_aware
from dispatch.planning.batching import ReadyWork, split_unmeetable
from dispatch.routing import GeoPoint, Locks, Problem, Stop, StopKind, TimeWindow, Vehicle
from dispatch.routing.matrices import GreatCircleMatrix

WEIGHT, VOLUME = "weight_g", "volume_ml"
WINDOW_PASSED = "window_passed"


@dataclass(frozen=True)
class VehicleInput:
    """A driver on one shift, with where the vehicle is and what it carries."""

    driver_id: int
    driver_name: str
    shift_id: int
    warehouse_id: int
    home: tuple[float, float]
    shift_start: datetime
    shift_end: datetime
    capacity_weight_g: int
    capacity_volume_ml: int
    skills: frozenset[str] = frozenset()
    position: tuple[float, float] | None = None
    """Set for a route under way: the vehicle leaves from here at the origin."""
    speed_factor: float = 1.0
    returning_from: tuple[float, float] | None = None
    """Set for a driver with no route under way who was last seen away from the warehouse
    (riding back from a trip): their next trip starts when they are back."""


@dataclass(frozen=True)
class StopInput:
    """An order to deliver or a return to collect; ``driver_id`` is set for a stop already
    on that driver's active route, with its current ``eta``."""

    id: str
    kind: str
    warehouse_id: int
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    weight_g: int
    volume_ml: int
    service_seconds: float
    skills: frozenset[str] = frozenset()
    priority: int = 0
    driver_id: int | None = None
    dispatched: bool = False
    arrived: bool = False
    eta: datetime | None = None

    @property
    def order_id(self) -> int | None:
        return int(self.id.split(":")[1]) if self.id.startswith("order:") else None

    @property
    def return_id(self) -> int | None:
        return int(self.id.split(":")[1]) if self.id.startswith("return:") else None


@dataclass(frozen=True)
class Weights:
    """What a route costs: per km driven, per hour on the road, per driver used."""

    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    fixed_cost_per_driver: float = 0.0
    late_cost_per_hour: float = 600.0  # with serve_late: ten km of detour per minute late
    margin_cost_per_hour: float = 300.0  # with a close margin: five km a minute inside it
    promise_cost_per_hour: float = 120.0  # two km a minute past an ETA a customer was shown


@dataclass(frozen=True)
class PlanInputs:
    origin: datetime
    vehicles: tuple[VehicleInput, ...]
    stops: tuple[StopInput, ...]
    weights: Weights = Weights()
    allow_moving_dispatched: bool = False
    open_windows: frozenset[str] = frozenset()
    """Stops on board whose window no longer binds: it could not be kept (``solving``)."""
    overtime: frozenset[int] = frozenset()
    """Drivers whose shift end no longer binds: parcels on board outlast it (``solving``)."""
    close_margin: timedelta = timedelta(0)
    """Aim to serve this long before each window closes where the routes allow, so noise
    on the road does not make the last stops of a trip late."""
    depart_now: bool = False
    """Drivers at the warehouse leave as soon as their route is published (a kitchen's
    packed bag), not as late as the windows allow: a published trip is then no longer
    re-planned, so later waves cannot push its stops out."""
    serve_late: bool = False
    """Route work whose window can no longer be kept too, instead of reporting it: its
    window close becomes soft, priced at ``weights.late_cost_per_hour``; windows that can
    still be kept stay hard, so no order is made late to serve a lost one sooner."""


@dataclass(frozen=True)
class UnassignedWork:
    stop_id: str
    reason: str
    detail: str


@dataclass(frozen=True)
class BuiltProblem:
    problem: Problem
    window_passed: tuple[UnassignedWork, ...]


def vehicle_id(driver_id: int) -> str:
    return f"driver:{driver_id}"


def seconds_after(origin: datetime, at: datetime) -> float:
    return (at - origin).total_seconds()


OVERTIME = timedelta(hours=12)
"""How long past their shift a driver may be planned to finish the parcels on board."""

AT_DEPOT = "at-depot"
"""A skill only drivers who have not left their warehouse have, and every delivery not yet
on board needs: the goods are loaded at the warehouse and a route is one trip, so a driver
under way can take new pickups but no new deliveries until their next route."""


PROMISE_SLACK = timedelta(minutes=5)
"""How far past the ETA a customer was shown a re-plan may move their stop for free: the
narrowest ETA window (``eta_window_min_minutes``) is ± five minutes."""


def _locked(stop: StopInput, allow_moving_dispatched: bool) -> bool:
    return stop.arrived or (stop.dispatched and not allow_moving_dispatched)


def _vehicle(inputs: PlanInputs, v: VehicleInput) -> Vehicle:
    w = inputs.weights
    start = max(0.0, seconds_after(inputs.origin, v.shift_start))
    end = seconds_after(inputs.origin, v.shift_end)
    if v.driver_id in inputs.overtime:
        end = max(end, start) + OVERTIME.total_seconds()
    under_way = v.position is not None and start == 0.0
    if v.returning_from is not None and not under_way:
        start = max(start, _ride_back_seconds(v))
    leaves = 0.0 if under_way else (start if inputs.depart_now else None)
    return Vehicle(
        id=vehicle_id(v.driver_id), start=GeoPoint(*(v.position if under_way else v.home)),
        end=GeoPoint(*v.home), shift=TimeWindow(start, max(start, end)),
        capacity={WEIGHT: v.capacity_weight_g, VOLUME: v.capacity_volume_ml},
        skills=v.skills if under_way else v.skills | {AT_DEPOT}, cost_per_km=w.cost_per_km, cost_per_hour=w.cost_per_hour,
        fixed_cost=w.fixed_cost_per_driver, available_from=leaves,
        speed_factor=v.speed_factor,
    )


def _ride_back_seconds(v: VehicleInput) -> float:
    points = [GeoPoint(*v.returning_from), GeoPoint(*v.home)]
    return float(GreatCircleMatrix().matrix(points).duration[0, 1]) / v.speed_factor


def _leads(vehicles: Sequence[Vehicle], stops: Sequence[StopInput]) -> dict[str, timedelta]:
    """Per stop, the earliest a vehicle able to serve it could get there, measured from the
    origin: one with the skills it needs (a delivery not on board: one still at the
    warehouse), at that vehicle's speed. A hot dish is not saved by a plain bike being
    close. A stop no vehicle is equipped for is measured over all of them, so it is
    reported for its skills, not its window."""
    if not vehicles or not stops:
        return {}
    points = [v.start for v in vehicles] + [GeoPoint(s.lat, s.lon) for s in stops]
    duration = GreatCircleMatrix().matrix(points).duration
    n = len(vehicles)
    leads: dict[str, timedelta] = {}
    for j, stop in enumerate(stops):
        needs = _needs(stop)
        able = [i for i, v in enumerate(vehicles) if needs <= v.skills] or range(n)
        leads[stop.id] = timedelta(seconds=min(
            vehicles[i].departure + float(duration[i, n + j]) / vehicles[i].speed_factor
            for i in able))
    return leads


def _needs(s: StopInput) -> frozenset[str]:
    """The skills a vehicle needs for ``s``, as the solver sees them (``_stop``)."""
    on_board = s.dispatched or s.arrived
    return frozenset(s.skills if on_board or s.kind == "pickup" else s.skills | {AT_DEPOT})


def _stop(inputs: PlanInputs, s: StopInput, *, open_window: bool,
          soft_close: bool = False) -> Stop:
    start = seconds_after(inputs.origin, s.window_start)
    end = seconds_after(inputs.origin, s.window_end)
    margin = 0.0 if open_window or soft_close else min(inputs.close_margin.total_seconds(),
                                                       max(0.0, end - start))
    return Stop(
        id=s.id, location=GeoPoint(s.lat, s.lon),
        kind=StopKind.PICKUP if s.kind == "pickup" else StopKind.DELIVERY,
        windows=() if open_window else (TimeWindow(start, max(start, end)),),
        service_time=s.service_seconds, demand={WEIGHT: s.weight_g, VOLUME: s.volume_ml},
        skills=_needs(s),
        priority=max(0, s.priority),
        late_cost_per_hour=inputs.weights.late_cost_per_hour if soft_close else None,
        close_margin=margin, margin_cost_per_hour=inputs.weights.margin_cost_per_hour,
        promised_by=(None if s.eta is None or open_window
                     else seconds_after(inputs.origin, s.eta + PROMISE_SLACK)),
        promise_cost_per_hour=inputs.weights.promise_cost_per_hour,
    )


def build_problem(inputs: PlanInputs) -> BuiltProblem:
    """The routing problem for ``inputs`` and the work left out because its window is lost.

    A stop that must stay with its driver (dispatched: pinned; arrived: frozen first) keeps
    its place even when late; its window no longer binds, since the parcel is in the van.
    """
    require_aware(inputs.origin, "origin")
    vehicles = [_vehicle(inputs, v) for v in inputs.vehicles]
    known = {v.driver_id for v in inputs.vehicles}
    locked = [s for s in inputs.stops
              if s.driver_id in known and _locked(s, inputs.allow_moving_dispatched)]
    locked_ids = {s.id for s in locked}
    free = [s for s in inputs.stops if s.id not in locked_ids]
    ready = [ReadyWork(s.id, inputs.origin, s.window_end) for s in free]
    meetable, lost = split_unmeetable(ready, now=inputs.origin, min_lead=_leads(vehicles, free))
    late: set[str] = set()
    if inputs.serve_late:  # served all the same, as little late as the routes allow
        late = {item.id for item in lost}
        meetable, lost = [*meetable, *lost], []
    keep = {item.id for item in meetable}
    lead_of = _leads(vehicles, locked)
    stops = [_stop(inputs, s, open_window=(s.id in inputs.open_windows
                                           or s.window_end < inputs.origin + lead_of[s.id]))
              for s in locked]
    stops += [_stop(inputs, s, open_window=False, soft_close=s.id in late)
              for s in free if s.id in keep]
    pinned = {s.id: vehicle_id(s.driver_id) for s in locked if not s.arrived}
    frozen: dict[str, list[str]] = {}
    for s in sorted((s for s in locked if s.arrived), key=lambda s: (s.eta or inputs.origin)):
        frozen.setdefault(vehicle_id(s.driver_id), []).append(s.id)
    problem = Problem(vehicles, stops, locks=Locks(pinned=pinned, frozen=frozen),
                      name=f"plan at {inputs.origin.isoformat()}")
    passed = tuple(UnassignedWork(u.id, WINDOW_PASSED, u.reason) for u in lost)
    return BuiltProblem(problem, passed)
