"""Parallel retries of one request under one Idempotency-Key make exactly one order."""

from __future__ import annotations

import httpx

from tests.concurrency.checks import (
    Call,
    assert_ledger_balances,
    assert_no_server_errors,
    fire,
    level,
    orders_by_status,
    problem_code,
    statuses,
)
from tests.support.world import order_body

PARALLEL = 50


def test_parallel_identical_requests_make_one_order(live_server):
    server = live_server(stock={("MC", "RETRO-CLOCK"): 10})
    headers = {**server.world.auth("dispatcher"), "Idempotency-Key": "race-key-1"}
    body = order_body([("RETRO-CLOCK", 2)])  # one body: the same window in every retry
    responses = fire(server.base_url, [Call("POST", "/orders", body, headers)] * PARALLEL)

    assert_no_server_errors(responses)
    counts = statuses(responses)
    assert set(counts) <= {201, 409}, counts
    assert counts[201] >= 1, counts
    assert {problem_code(r) for r in responses if r.status_code == 409} <= {"conflict"}
    ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1, ids
    (order_id,) = ids

    assert orders_by_status(server.database) == {"confirmed": 1}
    assert level(server.database, server.world.warehouses["MC"],
                 server.world.skus["RETRO-CLOCK"]) == (10, 2)
    assert_ledger_balances(server.database)

    retry = httpx.post(server.base_url + "/orders", json=body, headers=headers, timeout=30)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == order_id
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert orders_by_status(server.database) == {"confirmed": 1}
