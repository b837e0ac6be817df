"""Parallel cancellations of one order: one wins, stock is released exactly once."""

from __future__ import annotations

import httpx

from tests.concurrency.checks import (
    Call,
    assert_ledger_balances,
    assert_no_server_errors,
    fire,
    level,
    movement_count,
    orders_by_status,
    problem_code,
    statuses,
)
from tests.support.world import order_body

PARALLEL = 40


def test_parallel_cancellations_release_stock_once(live_server):
    server = live_server(stock={("MC", "RETRO-CLOCK"): 10})
    mc, clock = server.world.warehouses["MC"], server.world.skus["RETRO-CLOCK"]
    placed = httpx.post(server.base_url + "/orders", json=order_body([("RETRO-CLOCK", 3)]),
                        headers=server.world.auth("dispatcher"), timeout=30)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    assert level(server.database, mc, clock) == (10, 3)

    cancel = Call("POST", f"/orders/{order_id}/cancel", {"reason": "customer changed mind"},
                  server.world.auth("dispatcher"))
    responses = fire(server.base_url, [cancel] * PARALLEL)

    assert_no_server_errors(responses)
    assert statuses(responses) == {200: 1, 409: PARALLEL - 1}, statuses(responses)
    assert {problem_code(r) for r in responses if r.status_code == 409} == {
        "illegal_transition"}
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    assert winner["status"] == "cancelled"
    assert winner["payment"]["status"] == "voided"
    assert level(server.database, mc, clock) == (10, 0)
    assert movement_count(server.database, order_id, kind="release") == 1
    assert orders_by_status(server.database) == {"cancelled": 1}
    assert_ledger_balances(server.database)
