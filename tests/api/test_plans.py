"""Plans over HTTP: queueing, reading, committing, and every refusal."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM_JSON
from dispatch.maps.plan_map import PALETTE
from dispatch.planning import worker
from dispatch.planning.models import Plan
from dispatch.settings import Settings
from tests.planning.plans_support import on_shift, wait_for_plan, wait_for_worker
from tests.support.routes import ready_order


@pytest.fixture(autouse=True)
def idle_worker():
    wait_for_worker()
    yield
    wait_for_worker()


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def capped(database, world):
    """A client whose settings allow one stop, one driver, one plan at once, 2 s searches."""
    settings = Settings(database_url=str(database.engine.url), migrate_on_start=False,
                        environment="test", relay_enabled=False, plan_max_stops=1,
                        plan_max_drivers=1, plan_max_concurrent=1, plan_time_limit_max=2)
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as c:
        yield c


def _body(world, **extra) -> dict:
    return {"warehouse_ids": [world.warehouses["MC"]], "time_limit_seconds": 1, **extra}


def test_queue_read_list_and_commit_a_plan(client, world, database):
    """Nothing is ready, so the plan is done at once (no solve); it can be committed once."""
    on_shift(database, world, "ana")
    headers = world.auth("dispatcher")
    r = client.post("/plans", json=_body(world), headers=headers)
    assert r.status_code == 202, r.text
    plan = r.json()
    assert plan["status"] == "queued" and r.headers["Location"] == f"/plans/{plan['id']}"
    assert plan["driver_ids"] == [world.drivers["ana"]]
    assert plan["params"]["time_limit_seconds"] == 1 and plan["params"]["objective"] == "cost"
    done = wait_for_plan(client, plan["id"], headers)
    assert done["status"] == "done" and done["routes"] == [] and done["kpis"]["routes"] == 0
    listed = client.get("/plans", params={"status": "done"}, headers=headers).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]
    assert client.get("/plans", params={"status": "queued"}, headers=headers).json()["items"] == []
    stale = client.post(f"/plans/{plan['id']}/commit", headers={**headers, "If-Match": '"1"'})
    assert _problem(stale, 412)["field"] == "If-Match"
    version = client.get(f"/plans/{plan['id']}", headers=headers).headers["ETag"]
    r = client.post(f"/plans/{plan['id']}/commit", headers={**headers, "If-Match": version})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "committed" and r.json()["committed_at"]
    again = _problem(client.post(f"/plans/{plan['id']}/commit", headers=headers), 409)
    assert again["plan_status"] == "committed" and "already committed" in again["detail"]


def test_one_real_solve_through_the_process_pool(client, world, database):
    on_shift(database, world, "ana")
    order_id = ready_order(database, world)
    headers = world.auth("admin")
    plan = client.post("/plans", json=_body(world, objective="hierarchical"), headers=headers)
    done = wait_for_plan(client, plan.json()["id"], headers)
    assert done["status"] == "done", done["error"]
    (route,) = done["routes"]
    assert route["driver_name"] == "Ana" and route["distance_m"] > 0
    (stop,) = route["stops"]
    assert stop["order_id"] == order_id and stop["kind"] == "delivery"
    assert stop["load_after"] == {"weight_g": 0, "volume_ml": 0}
    assert route["max_load"] == {"weight_g": 800, "volume_ml": 1500}  # one retro clock
    assert stop["window_start"] <= stop["eta"] <= stop["window_end"]


def test_a_plan_is_drawn_as_the_routing_cores_offline_map(client, world, database):
    on_shift(database, world, "ana")
    ready_order(database, world)
    headers = world.auth("dispatcher")
    plan = client.post("/plans", json=_body(world), headers=headers).json()
    assert wait_for_plan(client, plan["id"], headers)["status"] == "done"
    r = client.get(f"/plans/{plan['id']}/map.html", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "dsp-stop" in r.text and f"background:{PALETTE[0]}" in r.text  # route 1's colour
    assert re.findall(r"https?://", r.text) == []  # nothing a browser could fetch
    missing = _problem(client.get("/plans/7654321/map.html", headers=headers), 404)
    assert missing["field"] == "plan_id"
    assert client.get(f"/plans/{plan['id']}/map.html",
                      headers=world.auth("driver")).status_code == 403


def test_a_plan_not_yet_solved_has_no_map(client, world, database):
    with database.uow() as uow:
        plan = Plan(status="queued", warehouse_ids=[world.warehouses["MC"]], params={},
                    origin_at=datetime.now(UTC), snapshot={}, version=1)
        uow.db.add(plan)
        uow.db.flush()
        plan_id = plan.id
        uow.commit()
    body = _problem(client.get(f"/plans/{plan_id}/map.html",
                               headers=world.auth("dispatcher")), 409)
    assert "queued" in body["detail"]


def test_caps_are_422_saying_how_many_and_the_cap(capped, world, database):
    on_shift(database, world, "ana")
    headers = world.auth("dispatcher")
    too_long = _problem(capped.post("/plans", json=_body(world, time_limit_seconds=3),
                                    headers=headers), 422)
    assert too_long["field"] == "time_limit_seconds" and too_long["maximum"] == 2
    for i in range(2):
        ready_order(database, world, email=f"cap{i}@example.com")
    stops = _problem(capped.post("/plans", json=_body(world), headers=headers), 422)
    assert (stops["stops"], stops["maximum"]) == (2, 1) and "2 stops" in stops["detail"]
    on_shift(database, world, "bruno")
    drivers = _problem(capped.post("/plans", json=_body(world), headers=headers), 422)
    assert drivers["field"] == "driver_ids" and (drivers["drivers"], drivers["maximum"]) == (2, 1)
    with database.uow() as uow:
        assert uow.db.query(Plan).count() == 0


def test_too_many_plans_in_flight_is_429_with_retry_after(capped, world, database):
    on_shift(database, world, "ana")
    held = worker.slots.take(1, 30)
    try:
        r = capped.post("/plans", json=_body(world), headers=world.auth("dispatcher"))
        body = _problem(r, 429)
        assert int(r.headers["Retry-After"]) >= 1 and body["retry_after_seconds"] >= 1
    finally:
        worker.slots.give_back(held)
    with database.uow() as uow:
        assert uow.db.query(Plan).count() == 0


def test_bad_requests_name_the_field(client, world, database):
    headers = world.auth("dispatcher")
    mc = world.warehouses["MC"]
    nobody = _problem(client.post("/plans", json=_body(world), headers=headers), 422)
    assert nobody["field"] == "driver_ids"
    on_shift(database, world, "ana")
    cases = [
        ({"warehouse_ids": [7654321]}, 404, "warehouse_ids[0]"),
        ({"warehouse_ids": [mc, 7654321]}, 404, "warehouse_ids[1]"),
        ({"warehouse_ids": []}, 422, "warehouse_ids"),
        ({"warehouse_ids": [mc, mc]}, 422, "warehouse_ids"),
        ({"warehouse_ids": list(range(1, 12))}, 422, "warehouse_ids"),
        ({"driver_ids": [7654321]}, 404, "driver_ids[0]"),
        ({"driver_ids": [world.drivers["bruno"]]}, 422, "driver_ids[0]"),  # no shift
        ({"objective": "fastest"}, 422, "objective"),
        ({"weights": {"cost_per_km": -1}}, 422, "weights.cost_per_km"),
        ({"time_limit_seconds": 0}, 422, "time_limit_seconds"),
        ({"status": "done"}, 422, "status"),
    ]
    for extra, status, field in cases:
        r = client.post("/plans", json={**_body(world), **extra}, headers=headers)
        assert _problem(r, status)["field"] == field, (extra, r.text)
    nce = client.post("/plans", json=_body(world, warehouse_ids=[world.warehouses["NCE"]],
                                           driver_ids=[world.drivers["ana"]]), headers=headers)
    assert _problem(nce, 422)["field"] == "driver_ids[0]"  # Ana works from Monaco


def test_unknown_or_unfinished_plans(client, world, database):
    headers = world.auth("dispatcher")
    assert _problem(client.get("/plans/7654321", headers=headers), 404)["field"] == "plan_id"
    assert _problem(client.post("/plans/7654321/commit", headers=headers), 404)["field"] == (
        "plan_id")
    with database.uow() as uow:
        plan = Plan(status="queued", warehouse_ids=[world.warehouses["MC"]], driver_ids=[],
                    params={}, origin_at=datetime.now(UTC), snapshot={}, version=1)
        uow.db.add(plan)
        uow.db.flush()
        plan_id = plan.id
        uow.commit()
    refused = _problem(client.post(f"/plans/{plan_id}/commit", headers=headers), 409)
    assert refused["plan_status"] == "queued"
    assert client.get(f"/plans/{plan_id}", headers=headers).json()["status"] == "queued"
