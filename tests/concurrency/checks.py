"""Firing requests all at once, and auditing stock and orders in the database afterwards."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from dispatch.db.database import Database
from dispatch.orders.models import Order
from dispatch.stock.models import StockLevel, StockMovement


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict | None = None
    headers: dict[str, str] | None = None


async def _fire_all(base_url: str, calls: list[Call]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(calls) + 10,
                          max_keepalive_connections=len(calls) + 10)
    timeout = httpx.Timeout(120.0, connect=30.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        go = asyncio.Event()

        async def one(call: Call) -> httpx.Response:
            await go.wait()  # every task is ready before the first request leaves
            return await client.request(call.method, call.path, json=call.json,
                                        headers=call.headers)

        tasks = [asyncio.create_task(one(c)) for c in calls]
        await asyncio.sleep(0)
        go.set()
        return await asyncio.gather(*tasks)


def fire(base_url: str, calls: list[Call]) -> list[httpx.Response]:
    """Send every call concurrently (one connection each); responses in call order."""
    return asyncio.run(_fire_all(base_url, calls))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def problem_code(response: httpx.Response) -> str:
    return response.json()["type"].rsplit(":", 1)[-1]


def assert_no_server_errors(responses: list[httpx.Response]) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, f"{len(errors)} server errors, e.g. {errors[:3]}"


def level(database: Database, warehouse_id: int, sku_id: int) -> tuple[int, int]:
    """(on_hand, reserved) of one level."""
    with database.engine.connect() as conn:
        row = conn.execute(
            select(StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.warehouse_id == warehouse_id, StockLevel.sku_id == sku_id)
        ).one()
    return int(row.on_hand), int(row.reserved)


def assert_ledger_balances(database: Database) -> None:
    """For every level: the ledger sums to it, and on hand never went below zero."""
    with database.engine.connect() as conn:
        levels = {(w, s): (int(oh), int(r)) for w, s, oh, r in conn.execute(
            select(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.on_hand,
                   StockLevel.reserved))}
        movements = conn.execute(
            select(StockMovement.warehouse_id, StockMovement.sku_id,
                   StockMovement.on_hand_delta, StockMovement.reserved_delta)
            .order_by(StockMovement.id)
        ).all()
    sums: dict[tuple[int, int], list[int]] = {}
    for w, s, on_hand_delta, reserved_delta in movements:
        running = sums.setdefault((w, s), [0, 0])
        running[0] += on_hand_delta
        running[1] += reserved_delta
        assert running[0] >= 0, f"on hand of {(w, s)} went negative in the ledger"
    for key, (on_hand, reserved) in levels.items():
        assert on_hand >= 0 and 0 <= reserved <= on_hand, (key, on_hand, reserved)
        assert tuple(sums.get(key, [0, 0])) == (on_hand, reserved), (
            f"ledger of {key} sums to {sums.get(key)}, level is {(on_hand, reserved)}")
    assert set(sums) <= set(levels), "ledger entries for a level that does not exist"


def orders_by_status(database: Database) -> Counter[str]:
    with database.engine.connect() as conn:
        return Counter(dict(conn.execute(
            select(Order.status, func.count()).group_by(Order.status)).all()))


def movement_count(database: Database, order_id: int | None = None,
                      kind: str = "reservation") -> int:
    query = select(func.count()).select_from(StockMovement).where(StockMovement.kind == kind)
    if order_id is not None:
        query = query.where(StockMovement.order_id == order_id)
    with database.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
