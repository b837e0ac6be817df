"""Batch policies and the wave board over HTTP (who may call them: the access matrix)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.problems import PROBLEM_JSON
from dispatch.orders.models import Order
from dispatch.stock.models import Warehouse
from tests.planning.plans_support import on_shift
from tests.support.routes import ready_order
from tests.support.world import NICE


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    return body


def test_set_and_read_a_batch_policy(client, world, database):
    mc = world.warehouses["MC"]
    url, headers = f"/warehouses/{mc}/batch-policy", world.auth("dispatcher")
    assert client.get(url, headers=headers).json() == {
        "warehouse_id": mc, "kind": "on_demand", "every_minutes": None, "min_ready": None,
        "max_wait_minutes": None}
    r = client.put(url, json={"kind": "periodic", "every_minutes": 15}, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["kind"], r.json()["every_minutes"]) == ("periodic", 15)
    assert client.get(url, headers=world.auth("admin")).json()["every_minutes"] == 15
    body = {"kind": "threshold", "min_ready": 10, "max_wait_minutes": 20}
    assert client.put(url, json=body, headers=headers).json() == {"warehouse_id": mc, **body,
                                                                  "every_minutes": None}
    with database.uow() as uow:
        assert uow.db.get(Warehouse, mc).batch_policy == body
    assert client.put(url, json={"kind": "on_demand"}, headers=headers).json()["kind"] == (
        "on_demand")
    with database.uow() as uow:
        assert uow.db.get(Warehouse, mc).batch_policy is None


def test_bad_policies_are_422_naming_the_key(client, world):
    url, headers = f"/warehouses/{world.warehouses['MC']}/batch-policy", world.auth("admin")
    cases = [
        ({"kind": "hourly"}, "kind"),
        ({}, "kind"),
        ({"kind": "periodic"}, "every_minutes"),
        ({"kind": "periodic", "every_minutes": 0}, "every_minutes"),
        ({"kind": "periodic", "every_minutes": 1441}, "every_minutes"),
        ({"kind": "periodic", "every_minutes": 7.5}, "every_minutes"),
        ({"kind": "periodic", "every_minutes": True}, "every_minutes"),
        ({"kind": "periodic", "every_minutes": 15, "min_ready": 3}, "min_ready"),
        ({"kind": "threshold"}, "min_ready"),
        ({"kind": "threshold", "min_ready": 0}, "min_ready"),
        ({"kind": "threshold", "max_wait_minutes": 10**9}, "max_wait_minutes"),
        ({"kind": "on_demand", "every_minutes": 5}, "every_minutes"),
        ({"kind": "on_demand", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        r = client.put(url, json=body, headers=headers)
        assert _problem(r, 422)["field"] == field, (body, r.text)
    assert client.get(url, headers=headers).json()["kind"] == "on_demand"  # nothing stored
    missing = "/warehouses/7654321/batch-policy"
    assert _problem(client.get(missing, headers=headers), 404)["field"] == "warehouse_id"
    r = client.put(missing, json={"kind": "on_demand"}, headers=headers)
    assert _problem(r, 404)["field"] == "warehouse_id"


def test_the_wave_board(client, world, database):
    on_shift(database, world, "ana")
    mc, nce = world.warehouses["MC"], world.warehouses["NCE"]
    headers = world.auth("dispatcher")
    client.put(f"/warehouses/{mc}/batch-policy", json={"kind": "threshold", "min_ready": 1},
               headers=headers)
    ready = ready_order(database, world)
    lost = ready_order(database, world, where=NICE, email="far@example.com")
    soon = datetime.now(UTC) + timedelta(minutes=5)
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == lost).values(
            warehouse_id=mc, window_start=soon - timedelta(hours=1), window_end=soon))
        uow.commit()
    r = client.get("/waves", headers=headers)
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["scheduler_enabled"] is False and board["auto_commit"] is True
    rows = {w["warehouse_id"]: w for w in board["warehouses"]}
    assert list(rows) == [mc, nce]
    row = rows[mc]
    assert row["warehouse_code"] == "MC" and row["policy"]["kind"] == "threshold"
    assert (row["ready_orders"], row["ready_pickups"], row["drivers_on_shift"]) == (2, 0, 1)
    assert row["due"] is True and row["reason"] == "1 order ready (threshold 1)"
    assert row["oldest_ready_since"] is not None and row["plan_in_flight_id"] is None
    (unmeetable,) = row["unmeetable"]
    assert unmeetable["order_id"] == lost and unmeetable["order_id"] != ready
    assert datetime.fromisoformat(unmeetable["window_end"]) == soon
    assert "earliest arrival" in unmeetable["reason"]
    assert rows[nce]["due"] is False and rows[nce]["reason"] == "nothing ready"
    assert rows[nce]["drivers_on_shift"] == 0 and rows[nce]["unmeetable"] == []
