"""POST /plans with a broker configured: queued for the workers, or 503 when the broker
cannot be reached (and no plan left queued)."""

from __future__ import annotations

import pytest

from dispatch.settings import Settings
from tests.planning.plans_support import on_shift
from tests.support.routes import ready_order


@pytest.fixture
def settings(database):
    return Settings(database_url=str(database.engine.url), migrate_on_start=False,
                    environment="test", relay_enabled=False, wave_scheduler_enabled=False,
                    broker_url="redis://127.0.0.1:1/0")


def test_an_unreachable_broker_is_a_503_problem(client, database, world):
    on_shift(database, world, "ana")
    ready_order(database, world)
    r = client.post("/plans", json={"warehouse_ids": [world.warehouses["MC"]]},
                    headers=world.auth("dispatcher"))
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    plan_id = r.json()["plan_id"]
    plan = client.get(f"/plans/{plan_id}", headers=world.auth("dispatcher")).json()
    assert plan["status"] == "failed" and plan["error"].startswith("not queued")
