"""Many simultaneous placements competing for the last units: nothing is oversold.

The issue's acceptance test: on PostgreSQL (and SQLite, the embedded default), at least
200 concurrent ``POST /orders`` for 50 units held in one warehouse reserve exactly 50,
refuse the rest with 409 ``insufficient_stock``, never answer 5xx, and leave a ledger
that sums to the stock levels.
"""

from __future__ import annotations

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

PLACEMENTS = 240
UNITS = 50


def _placements(server, lines_for) -> list[Call]:
    auth = server.world.auth("dispatcher")
    return [Call("POST", "/orders", order_body(lines_for(i), email=f"race{i}@example.com"), auth)
            for i in range(PLACEMENTS)]


def _assert_exactly_units_sold(server, responses) -> None:
    assert_no_server_errors(responses)
    counts = statuses(responses)
    assert counts == {201: UNITS, 409: PLACEMENTS - UNITS}, counts
    refused = {problem_code(r) for r in responses if r.status_code == 409}
    assert refused == {"insufficient_stock"}, refused
    created = [r.json() for r in responses if r.status_code == 201]
    assert len({o["id"] for o in created}) == UNITS
    assert {o["status"] for o in created} == {"confirmed"}
    assert {o["warehouse_id"] for o in created} == {server.world.warehouses["MC"]}
    assert orders_by_status(server.database) == {"confirmed": UNITS}
    assert_ledger_balances(server.database)


def test_240_placements_for_50_units_reserve_exactly_50(live_server):
    server = live_server(stock={("MC", "RETRO-CLOCK"): UNITS})
    responses = fire(server.base_url, _placements(server, lambda i: [("RETRO-CLOCK", 1)]))
    _assert_exactly_units_sold(server, responses)
    on_hand, reserved = level(server.database, server.world.warehouses["MC"],
                              server.world.skus["RETRO-CLOCK"])
    assert (on_hand, reserved, on_hand - reserved) == (UNITS, UNITS, 0)
    assert movement_count(server.database, kind="reservation") == UNITS


def test_two_line_orders_in_opposite_line_order_neither_deadlock_nor_oversell(live_server):
    """Half the orders list beans then milk, half milk then beans: the classic deadlock
    shape if rows were locked in line order. Each success takes one of each."""
    server = live_server(stock={("MC", "ESPRESSO-BEANS"): UNITS, ("MC", "OAT-MILK-1L"): UNITS})
    pair = [("ESPRESSO-BEANS", 1), ("OAT-MILK-1L", 1)]
    responses = fire(server.base_url,
                     _placements(server, lambda i: pair if i % 2 else pair[::-1]))
    _assert_exactly_units_sold(server, responses)
    for sku in ("ESPRESSO-BEANS", "OAT-MILK-1L"):
        assert level(server.database, server.world.warehouses["MC"],
                     server.world.skus[sku]) == (UNITS, UNITS), sku
    assert movement_count(server.database, kind="reservation") == 2 * UNITS
