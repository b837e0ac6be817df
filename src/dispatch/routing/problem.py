"""The routing problem: an immutable, validated bundle of vehicles, stops, pairs and locks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from dispatch.routing.locations import GeoPoint, Location
from dispatch.routing.matrices.base import TravelMatrix
from dispatch.routing.stops import Pair, Stop, StopKind
from dispatch.routing.vehicles import Vehicle


@dataclass(frozen=True, slots=True)
class Depot:
    """A warehouse or kitchen routes start from (named on maps and in results)."""

    id: str
    location: Location


@dataclass(frozen=True)
class Locks:
    """Re-planning constraints.

    ``pinned`` keeps a stop on a vehicle (anywhere in its route); ``frozen`` fixes the first
    stops of a vehicle's route in that order (its already-visited or dispatched prefix).
    """

    pinned: Mapping[str, str] = field(default_factory=dict)
    frozen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pinned", MappingProxyType(dict(self.pinned)))
        object.__setattr__(
            self, "frozen", MappingProxyType({v: tuple(s) for v, s in self.frozen.items()})
        )

    def vehicle_of(self, stop_id: str) -> str | None:
        for vehicle_id, prefix in self.frozen.items():
            if stop_id in prefix:
                return vehicle_id
        return self.pinned.get(stop_id)


def check_routes(routes: Mapping[str, Sequence[str]], vehicle_ids: set[str],
                 stop_ids: set[str], field: str) -> None:
    """Routes (vehicle id -> stop ids) must name known vehicles and stops, each stop once."""
    seen: set[str] = set()
    for vehicle_id, route in routes.items():
        if vehicle_id not in vehicle_ids:
            raise ValueError(f"{field}: unknown vehicle {vehicle_id!r}")
        for stop_id in route:
            if stop_id not in stop_ids:
                raise ValueError(f"{field}: unknown stop {stop_id!r}")
            if stop_id in seen:
                raise ValueError(f"{field}: stop {stop_id!r} appears twice")
            seen.add(stop_id)


def _unique(kind: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{kind}: duplicate id {item!r}")
        seen.add(item)


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs.

    ``locations`` lists every distinct vehicle start/end location followed by one entry per
    stop; a supplied ``matrix`` must match that order and size. Without one, the solver uses
    great-circle distances for lat/lon problems and Euclidean distances for planar ones.
    """

    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    pairs: tuple[Pair, ...] = ()
    depots: tuple[Depot, ...] = ()
    locks: Locks = field(default_factory=Locks)
    matrix: TravelMatrix | None = None
    skills: frozenset[str] | None = None
    name: str = "problem"

    def __post_init__(self) -> None:
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "pairs", tuple(self.pairs))
        object.__setattr__(self, "depots", tuple(self.depots))
        if not self.vehicles:
            raise ValueError("vehicles: at least one vehicle is required")
        _unique("vehicles", [v.id for v in self.vehicles])
        _unique("stops", [s.id for s in self.stops])
        _unique("depots", [d.id for d in self.depots])
        self._check_location_kinds()
        self._check_dimensions_and_skills()
        self._check_pairs()
        self._check_locks()
        locations: list[Location] = []
        index: dict[Location, int] = {}
        for vehicle in self.vehicles:
            for loc in (vehicle.start, vehicle.end_location):
                if loc not in index:
                    index[loc] = len(locations)
                    locations.append(loc)
        offset = len(locations)
        locations.extend(s.location for s in self.stops)
        object.__setattr__(self, "locations", tuple(locations))
        object.__setattr__(self, "stop_offset", offset)
        object.__setattr__(self, "_vehicle_nodes", {
            v.id: (index[v.start], index[v.end_location]) for v in self.vehicles
        })
        object.__setattr__(self, "_stop_pos", {s.id: i for i, s in enumerate(self.stops)})
        object.__setattr__(self, "_vehicle_pos", {v.id: i for i, v in enumerate(self.vehicles)})
        if self.matrix is not None and self.matrix.size != len(locations):
            raise ValueError(
                f"matrix: expected {len(locations)}x{len(locations)} for this problem's "
                f"locations, got {self.matrix.size}x{self.matrix.size}"
            )

    # -- validation -------------------------------------------------------------------
    def _check_location_kinds(self) -> None:
        kinds = {isinstance(v.start, GeoPoint) for v in self.vehicles}
        kinds |= {isinstance(v.end_location, GeoPoint) for v in self.vehicles}
        kinds |= {isinstance(s.location, GeoPoint) for s in self.stops}
        if len(kinds) > 1:
            raise ValueError("locations: lat/lon and planar x/y points cannot be mixed")

    def _check_dimensions_and_skills(self) -> None:
        dims = set().union(*(v.capacity.keys() for v in self.vehicles))
        for stop in self.stops:
            unknown = set(stop.demand) - dims
            if unknown:
                raise ValueError(
                    f"stop {stop.id!r}: demand dimension {sorted(unknown)[0]!r} is not a "
                    "capacity of any vehicle"
                )
        object.__setattr__(self, "dimensions", tuple(sorted(dims)))
        if self.skills is None:
            return
        object.__setattr__(self, "skills", frozenset(self.skills))
        for owner, skills in [(f"vehicle {v.id!r}", v.skills) for v in self.vehicles] + [
            (f"stop {s.id!r}", s.skills) for s in self.stops
        ]:
            unknown = set(skills) - self.skills
            if unknown:
                raise ValueError(f"{owner}: unknown skill {sorted(unknown)[0]!r}")

    def _check_pairs(self) -> None:
        ids = {s.id: s for s in self.stops}
        used: set[str] = set()
        for pair in self.pairs:
            for role in ("pickup", "delivery"):
                stop_id = getattr(pair, role)
                if stop_id not in ids:
                    raise ValueError(f"pairs: {role} {stop_id!r} is not a stop")
                if stop_id in used:
                    raise ValueError(f"pairs: stop {stop_id!r} belongs to more than one pair")
                used.add(stop_id)
            if ids[pair.pickup].kind is not StopKind.PICKUP:
                raise ValueError(f"pairs: pickup {pair.pickup!r} must have kind 'pickup'")
            if ids[pair.delivery].kind is not StopKind.DELIVERY:
                raise ValueError(f"pairs: delivery {pair.delivery!r} must have kind 'delivery'")
            if dict(ids[pair.pickup].demand) != dict(ids[pair.delivery].demand):
                raise ValueError(
                    f"pairs: pickup {pair.pickup!r} and delivery {pair.delivery!r} must carry "
                    "the same demand"
                )

    def _check_locks(self) -> None:
        stops = {s.id for s in self.stops}
        vehicles = {v.id for v in self.vehicles}
        for stop_id, vehicle_id in self.locks.pinned.items():
            if stop_id not in stops:
                raise ValueError(f"locks.pinned: unknown stop {stop_id!r}")
            if vehicle_id not in vehicles:
                raise ValueError(f"locks.pinned: unknown vehicle {vehicle_id!r}")
        check_routes(self.locks.frozen, vehicles, stops, "locks.frozen")
        for vehicle_id, prefix in self.locks.frozen.items():
            for stop_id in prefix:
                pinned = self.locks.pinned.get(stop_id)
                if pinned is not None and pinned != vehicle_id:
                    raise ValueError(
                        f"locks: stop {stop_id!r} is frozen on {vehicle_id!r} "
                        f"but pinned to {pinned!r}"
                    )

    # -- lookups ----------------------------------------------------------------------
    @property
    def is_geographic(self) -> bool:
        return isinstance(self.vehicles[0].start, GeoPoint)

    def stop(self, stop_id: str) -> Stop:
        return self.stops[self._stop_pos[stop_id]]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        return self.vehicles[self._vehicle_pos[vehicle_id]]

    def stop_node(self, stop_id: str) -> int:
        """Row of ``stop_id`` in :attr:`locations` and the matrix."""
        return self.stop_offset + self._stop_pos[stop_id]

    def vehicle_nodes(self, vehicle_id: str) -> tuple[int, int]:
        """Rows of the vehicle's start and end locations."""
        return self._vehicle_nodes[vehicle_id]

    def pair_of(self) -> dict[str, Pair]:
        """Each paired stop id mapped to its pair."""
        result: dict[str, Pair] = {}
        for pair in self.pairs:
            result[pair.pickup] = pair
            result[pair.delivery] = pair
        return result
