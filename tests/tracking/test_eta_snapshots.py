"""The ETA engine keeps each pending stop's ETA every few minutes, for ETA-error-by-lead."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dispatch.orders import lifecycle
from dispatch.orders.schemas import CancelIn
from dispatch.tracking.eta import EtaLimits
from dispatch.tracking.models import EtaSnapshot
from tests.support.world import CASINO
from tests.tracking.test_eta import make_route, now_utc, place_driver, refresh, set_stops, stops_of


def snapshots(database) -> list[tuple[int, int | None, object, object]]:
    with database.uow() as uow:
        return [(s.stop_id, s.order_id, s.eta, s.made_at) for s in uow.db.scalars(
            select(EtaSnapshot).order_by(EtaSnapshot.made_at, EtaSnapshot.stop_id))]


def test_each_pending_stop_is_kept_once_per_interval_with_the_eta_it_had(database, world):
    route_id, order_ids = make_route(database, world)
    now = now_utc()
    place_driver(database, world.drivers["ana"], CASINO, now)
    refresh(database, route_id, now)
    stops = stops_of(database, route_id)
    assert snapshots(database) == [(s.id, o, s.eta, now) for s, o in zip(stops, order_ids,
                                                                          strict=True)]
    refresh(database, route_id, now + timedelta(minutes=4))  # not due yet
    assert len(snapshots(database)) == 3
    later = now + timedelta(minutes=5)
    place_driver(database, world.drivers["ana"], CASINO, later)
    refresh(database, route_id, later)
    kept = [row for row in snapshots(database) if row[3] == later]
    assert [(stop_id, eta) for stop_id, _, eta, _ in kept] == [
        (s.id, s.eta) for s in stops_of(database, route_id)]


def test_finished_and_cancelled_stops_are_not_kept(database, world):
    route_id, order_ids = make_route(database, world, depart=False, start=now_utc())
    lifecycle.cancel(database.uow(), order_ids[1], CancelIn(reason="customer called"),
                     world.principals["dispatcher"])
    now = now_utc()
    set_stops(database, route_id, {1}, status="completed", finished_at=now)
    refresh(database, route_id, now)
    third = stops_of(database, route_id)[2]
    assert [(stop_id, order_id) for stop_id, order_id, _, _ in snapshots(database)] == [
        (third.id, order_ids[2])]


def test_a_zero_interval_keeps_none(database, world):
    route_id, _ = make_route(database, world)
    refresh(database, route_id, now_utc(), limits=EtaLimits(sample_every=timedelta(0)))
    assert snapshots(database) == []
