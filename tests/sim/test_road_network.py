"""A parcel morning on Monaco's real roads (``SimOptions.osm``): the planner times legs
with the road matrix ``dispatch solve --osm`` uses, drivers drive the road paths, and the
same seed gives the same day. Needs ``../shared/data/monaco.osm.pbf``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from dispatch.orders.models import Order, OrderEvent
from dispatch.planning.models import Plan
from dispatch.routing import GeoPoint
from dispatch.routing.matrices.great_circle import haversine_metres
from dispatch.scenarios.loading import scenario_from_dict
from dispatch.scenarios.reader import read_yaml
from dispatch.scenarios.schema import Scenario
from dispatch.sim.kpis import day_kpis
from dispatch.sim.roads import RoadTravel
from dispatch.sim.run import DayRun, SimOptions, simulate
from dispatch.stoplists.models import RouteStop

ROOT = Path(__file__).resolve().parents[2]
MONACO = ROOT.parent / "shared" / "data" / "monaco.osm.pbf"
OPTIONS = SimOptions(seed=2, solution_limit=5, until_minute=10 * 60 + 30, osm=MONACO)

pytestmark = pytest.mark.needs_shared


def _morning() -> Scenario:
    """monaco-parcels cut to its first round: ~16 parcels booked 07:30-08:00, all for
    the 09:00-12:00 window, with the file's noise (travel time cv 0.2, 8% not at home)."""
    data = read_yaml((ROOT / "scenarios" / "monaco-parcels.yaml").read_text())
    data["demand"]["rate"] = [{"from": "07:30", "to": "08:00", "per_hour": 32}]
    data["demand"]["windows"]["choices"] = 1
    return scenario_from_dict(data, source="monaco-morning")


def _day(sqlite_template, directory: Path) -> tuple[DayRun, list]:
    database = sqlite_template.fresh(directory)
    run = simulate(database, _morning(), OPTIONS)
    with database.read_uow() as uow:
        history = uow.db.execute(select(OrderEvent.order_id, OrderEvent.to_status,
                                        OrderEvent.created_at).order_by(OrderEvent.id)).all()
    return run, history


@pytest.fixture(scope="module")
def days(sqlite_template, tmp_path_factory):
    """The same morning twice, on two databases."""
    if not MONACO.is_file():
        pytest.skip(f"Monaco extract not found at {MONACO.resolve()} (needs ../shared/data)")
    runs = [_day(sqlite_template, tmp_path_factory.mktemp(name)) for name in ("one", "two")]
    yield runs
    for run, _ in runs:
        run.database.dispose()


def test_every_parcel_is_routed_and_attempted(days):
    """By 10:30 every parcel accepted has been on a route and at its door."""
    (run, _), _ = days
    with run.database.read_uow() as uow:
        orders = set(uow.db.scalars(select(Order.id)))
        attempted = set(uow.db.scalars(select(RouteStop.order_id).where(
            RouteStop.kind == "delivery", RouteStop.status.in_(("completed", "failed")))))
    assert len(orders) >= 10 and orders == set(run.placed.values())
    assert attempted == orders
    assert day_kpis(run).delivered >= 0.8 * len(orders)


def test_drivers_drive_road_kilometres(days):
    """The kilometres driven are the road paths' between the points each driver went
    from and to: each at least its straight line, together well above the straight
    lines (and above the great-circle estimate's 1.3 detour)."""
    (run, _), _ = days
    straight = road = driven = 0.0
    for state in run.fleet.states.values():
        for _, _, lat1, lon1, lat2, lon2 in state.legs:
            line = float(haversine_metres(np.array([[lat1, lon1]]),
                                          np.array([[lat2, lon2]]))[0, 0])
            path = run.roads.legs.leg((lat1, lon1), (lat2, lon2)).metres
            assert path >= line - 1e-6
            straight, road = straight + line, road + path
        driven += state.driven_m
    assert straight > 0
    assert driven == pytest.approx(road)
    assert driven > 1.3 * straight
    assert day_kpis(run).km_driven == pytest.approx(driven / 1000)


def test_plans_are_timed_on_the_road_network(days):
    """The first wave's routes (every van at the hub) are as long as the road matrix
    says, from the hub stop after stop and back."""
    (run, _), _ = days
    roads: RoadTravel = run.roads
    depot = run.scenario.depots[0]
    with run.database.read_uow() as uow:
        first = uow.db.scalars(select(Plan.result).where(Plan.status == "committed")
                               .order_by(Plan.id).limit(1)).one()
    routes = first["routes"]
    assert routes
    for route in routes:
        points = [GeoPoint(depot.lat, depot.lon),
                  *(GeoPoint(s["lat"], s["lon"]) for s in route["stops"]),
                  GeoPoint(depot.lat, depot.lon)]
        distance = roads.matrix.matrix(points).distance
        expected = sum(float(distance[i, i + 1]) for i in range(len(points) - 1))
        assert route["distance_m"] == pytest.approx(expected, abs=0.1)


def test_the_same_seed_gives_the_same_day_on_roads(days):
    (first, first_history), (second, second_history) = days
    assert first_history and first_history == second_history
    assert day_kpis(first) == day_kpis(second)
    assert [s.legs for s in first.fleet.states.values()] == \
        [s.legs for s in second.fleet.states.values()]
