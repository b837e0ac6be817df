"""Generated Gehring & Homberger-style VRPTW instances of any size, written as Solomon files.

Solomon's 100-customer files are too small to compare decomposition methods on, and the
G&H extension stops at 1,000 customers; this generator makes instances of the same three
layouts (random R, clustered C, mixed RC) and two window classes (1 = tight windows and a
short day, 2 = wide windows and a long day) at 1,000-10,000 customers or more.

Everything is integer, as in the published files, so a written file reads back exactly.
Every customer is feasible on its own: a vehicle leaving the depot at time 0 reaches it by
its due date and, after service, is back by the horizon (travel time = Euclidean distance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.bench.instance import BenchInstance, BenchNode

LAYOUTS = ("random", "clustered", "mixed")
WINDOWS = ("tight", "wide")

# Square side 500 at 1,000 customers as in G&H, growing with sqrt(n) so density is constant.
SIDE_PER_ROOT = 500 / math.sqrt(1000)
# Window width as a fraction of the horizon: Solomon R1/RC1/C1 windows are mostly 4-15 % of
# their short day, class 2 windows 10-50 % of a day four to ten times longer.
WIDTH_FRACTION = {"tight": (0.05, 0.15), "wide": (0.25, 0.50)}
# Horizon = TRAVEL * side + (stops a full vehicle serves) * service: close to Solomon's
# 230/240/1236 (class 1) and 1000/960/3390 (class 2) days at their square sizes.
TRAVEL_FACTOR = {"tight": 3.0, "wide": 10.0}
_CODES = {"random": "r", "clustered": "c", "mixed": "rc"}


@dataclass(frozen=True)
class InstanceSpec:
    """What to generate; ``None`` knobs take the G&H/Solomon-like default for the class.

    - ``side``: the square's side, default ``500 * sqrt(customers / 1000)`` (G&H: 500 at
      1,000; Solomon-scale ~160 at 100), the depot in its centre.
    - ``clusters``: cluster centres for the clustered customers, default ``round(sqrt(m))``
      for ``m`` clustered customers (10 at 100 like Solomon C1, 32 at 1,000, 100 at 10,000).
    - ``cluster_spread``: Gaussian sigma around a centre, as a fraction of the spacing
      ``side / sqrt(clusters)`` between centres; small enough that clusters stay apart.
    - ``vehicles``: fleet upper bound, default ``ceil(customers / 4)`` (G&H: 250 at 1,000).
    - ``capacity``: default 200 (class 1), 700 (clustered class 2) or 1000 (other class 2).
    - ``service``: default 90 for clustered, 10 for random and mixed, as in Solomon.
    - ``horizon``: depot due date, default ``TRAVEL_FACTOR * side + capacity / mean demand
      * service`` (a day long enough for a full vehicle's stops and some driving).
    - ``demand``: inclusive integer range of a customer's demand.
    """

    customers: int
    layout: str
    windows: str
    seed: int = 0
    side: float | None = None
    clusters: int | None = None
    cluster_spread: float = 0.1
    vehicles: int | None = None
    capacity: int | None = None
    service: int | None = None
    horizon: int | None = None
    demand: tuple[int, int] = (10, 50)

    def __post_init__(self) -> None:
        if not _is_int(self.customers) or self.customers < 10:
            raise ValueError(f"customers must be an integer of at least 10, got {self.customers!r}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.windows not in WINDOWS:
            raise ValueError(f"windows must be one of {WINDOWS}, got {self.windows!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.side is not None and not (math.isfinite(self.side) and self.side >= 1):
            raise ValueError(f"side must be at least 1, got {self.side!r}")
        if self.clusters is not None and not (_is_int(self.clusters)
                                              and 1 <= self.clusters <= self.customers):
            raise ValueError(f"clusters must be between 1 and customers, got {self.clusters!r}")
        if not (math.isfinite(self.cluster_spread) and self.cluster_spread > 0):
            raise ValueError(f"cluster_spread must be positive, got {self.cluster_spread!r}")
        if self.vehicles is not None and not (_is_int(self.vehicles) and self.vehicles >= 1):
            raise ValueError(f"vehicles must be a positive integer, got {self.vehicles!r}")
        pair = isinstance(self.demand, tuple) and len(self.demand) == 2
        low, high = self.demand if pair else (0, 0)
        if not (_is_int(low) and _is_int(high) and 1 <= low <= high):
            raise ValueError(f"demand must be integers 1 <= low <= high, got {self.demand!r}")
        if self.capacity is not None and not (_is_int(self.capacity) and self.capacity >= high):
            raise ValueError(f"capacity must be an integer of at least the largest demand "
                             f"{high}, got {self.capacity!r}")
        if self.service is not None and not (_is_int(self.service) and self.service >= 0):
            raise ValueError(f"service must be a non-negative integer, got {self.service!r}")
        shortest = self.shortest_horizon
        if self.horizon is not None and not (_is_int(self.horizon) and self.horizon >= shortest):
            raise ValueError(f"horizon must be an integer of at least {shortest} (a round trip "
                             f"to the square's corner plus service), got {self.horizon!r}")

    # -- the knobs' values once defaults are applied ------------------------------------
    @property
    def square_side(self) -> int:
        side = self.side if self.side is not None else SIDE_PER_ROOT * math.sqrt(self.customers)
        return max(1, round(side))

    @property
    def fleet(self) -> int:
        return self.vehicles if self.vehicles is not None else math.ceil(self.customers / 4)

    @property
    def vehicle_capacity(self) -> int:
        if self.capacity is not None:
            return self.capacity
        if self.windows == "tight":
            return 200
        return 700 if self.layout == "clustered" else 1000

    @property
    def service_time(self) -> int:
        if self.service is not None:
            return self.service
        return 90 if self.layout == "clustered" else 10

    @property
    def time_horizon(self) -> int:
        if self.horizon is not None:
            return self.horizon
        stops_per_vehicle = self.vehicle_capacity / (sum(self.demand) / 2)
        day = TRAVEL_FACTOR[self.windows] * self.square_side + stops_per_vehicle * self.service_time
        return max(math.ceil(day), self.shortest_horizon)

    @property
    def shortest_horizon(self) -> int:
        """A round trip to the farthest corner plus service, with room for integer rounding."""
        return math.ceil(math.sqrt(2) * (self.square_side + 1)) + self.service_time + 2

    @property
    def name(self) -> str:
        """Solomon-like: ``gen-c1-1000-s0`` is clustered, class 1, 1,000 customers, seed 0."""
        klass = 1 if self.windows == "tight" else 2
        return f"gen-{_CODES[self.layout]}{klass}-{self.customers}-s{self.seed}"


def generate(spec: InstanceSpec) -> BenchInstance:
    """The instance for ``spec``; the same spec always gives the same instance."""
    rng = np.random.default_rng(spec.seed)
    side, horizon, service = spec.square_side, spec.time_horizon, spec.service_time
    centre = side // 2
    xy = _locations(spec, rng, side)
    demand = rng.integers(spec.demand[0], spec.demand[1], size=spec.customers, endpoint=True)
    ready, due = _windows(spec, rng, xy, centre, horizon, service)
    depot = BenchNode(0, float(centre), float(centre), 0.0, 0.0, float(horizon), 0.0)
    customers = (
        BenchNode(i + 1, float(x), float(y), float(q), float(r), float(d), float(service))
        for i, (x, y, q, r, d) in enumerate(zip(xy[:, 0].tolist(), xy[:, 1].tolist(),
                                                 demand.tolist(), ready.tolist(),
                                                 due.tolist(), strict=True))
    )
    return BenchInstance(spec.name, "vrptw", spec.fleet, float(spec.vehicle_capacity),
                         (depot, *customers))


def _locations(spec: InstanceSpec, rng: np.random.Generator, side: int) -> np.ndarray:
    """Integer points in ``[0, side]^2``; mixed layouts are half random, half clustered."""
    n = spec.customers
    clustered = {"random": 0, "clustered": n, "mixed": n // 2}[spec.layout]
    uniform = rng.uniform(0, side, size=(n - clustered, 2))
    points = [uniform]
    if clustered:
        count = spec.clusters or max(1, round(math.sqrt(clustered)))
        spacing = side / math.sqrt(count)
        # Centres keep half a spacing from the edge so clusters are not cut by the border.
        margin = min(spacing / 2, side / 4)
        centres = rng.uniform(margin, side - margin, size=(count, 2))
        members = rng.integers(0, count, size=clustered)
        offsets = rng.normal(0, spec.cluster_spread * spacing, size=(clustered, 2))
        points.append(centres[members] + offsets)
    xy = np.rint(np.concatenate(points))
    if spec.layout == "mixed":  # ids should not tell which customers are clustered
        xy = xy[rng.permutation(n)]
    return np.clip(xy, 0, side).astype(np.int64)


def _windows(spec: InstanceSpec, rng: np.random.Generator, xy: np.ndarray, centre: int,
             horizon: int, service: int) -> tuple[np.ndarray, np.ndarray]:
    """Solomon's recipe: a window centred at a random time a vehicle can serve the customer.

    The centre is drawn between the earliest arrival (the distance from the depot) and
    the latest start that still returns by the horizon; the window is clipped to that
    range, then rounded inwards so the integer window keeps both guarantees.
    """
    distance = np.hypot(xy[:, 0] - centre, xy[:, 1] - centre)
    earliest = np.ceil(distance)
    latest = np.floor(horizon - distance - service)
    if np.any(latest < earliest):  # only reachable with a hand-set horizon or side
        raise ValueError(f"horizon {horizon} is too short to serve the farthest customer")
    low, high = WIDTH_FRACTION[spec.windows]
    width = rng.uniform(low, high, size=len(xy)) * horizon
    middle = rng.uniform(earliest, latest)
    due = np.clip(np.floor(middle + width / 2), earliest, latest)
    ready = np.clip(np.ceil(middle - width / 2), 0, due)
    return ready.astype(np.int64), due.astype(np.int64)


def write_solomon(instance: BenchInstance) -> str:
    """Solomon text that :func:`~dispatch.bench.readers.parse_instance` reads back equal."""
    if instance.kind != "vrptw":
        raise ValueError(f"{instance.name}: only VRPTW instances have a Solomon form, "
                         f"not {instance.kind!r}")
    lines = [instance.name, "", "VEHICLE", "NUMBER     CAPACITY",
             f"{instance.vehicles:>5} {_number(instance.capacity):>12}", "", "CUSTOMER",
             "CUST NO.  XCOORD.    YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
             ""]
    for node in instance.nodes:
        values = (node.x, node.y, node.demand, node.ready, node.due, node.service)
        # A separating space even when a long fraction fills its column.
        lines.append(f"{node.id:>5}" + "".join(f" {_number(v):>10}" for v in values))
    return "\n".join(lines) + "\n"


def write_instance_file(instance: BenchInstance, directory: str | Path) -> Path:
    """Write ``<name>.txt`` (the reader takes the name from the file's stem)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{instance.name}.txt"
    path.write_text(write_solomon(instance), encoding="utf-8")
    return path


def _number(value: float) -> str:
    """Integers as Solomon writes them; anything else exactly (``repr`` round-trips)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
