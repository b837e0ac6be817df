"""The lunch so far: the first orders of the scenario's demand, placed, cooked, and the
kitchen's first wave on the road.

Orders are the scenario's (``generate_orders``, a fixed seed, so every demo serves the
same lunch), placed through the real ``place_order`` all at once as if phoned in ahead,
so every window is still to come; a declined card is refused as it would be. Of the
placed orders the earlier half (rounded up) is cooked: the first half of those went out
on the kitchen's first wave (planned and committed as its batching policy would, when it
batches by itself), the rest is ready and waiting, so a dispatcher has a wave to plan on
the page right away. The later half is still being prepared (confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.orders.domain import OrderStatus
from dispatch.orders.models import Order
from dispatch.planning import waves, worker
from dispatch.planning.wave_commit import commit_finished_waves
from dispatch.scenarios.demand import OrderArrival, generate_orders
from dispatch.scenarios.schema import Scenario
from dispatch.settings import Settings
from dispatch.sim import placing
from dispatch.sim.setup import Operation

DEMAND_SEED = 1
FIRST_WAVE_SOLUTIONS = 200
"""The first wave stops after this many improving solutions: quick, and the same plan
on every demo."""


@dataclass(frozen=True)
class Lunch:
    placed: int  # orders the service accepted
    ready: int  # picked, waiting for a wave
    on_routes: int  # picked and sent out on the first wave
    refused: int  # arrivals the service refused (a declined card, no stock)


def serve_first_orders(database: Database, settings: Settings, scenario: Scenario,
                       op: Operation, day_start: datetime, count: int, now: datetime) -> Lunch:
    """Place the first ``count`` orders the service accepts, cook the earlier half and send
    the first of those out on a wave; see the module docstring."""
    confirmed: list[tuple[int, OrderArrival]] = []
    placed = refused = 0
    for arrival in generate_orders(scenario, seed=DEMAND_SEED, day_start=day_start):
        if placed == count:
            break
        try:
            order = placing.place_arrival(database, settings, arrival, op.dispatcher)
        except DomainError:
            refused += 1
            continue
        placed += 1
        if order.status == "confirmed":
            confirmed.append((order.id, arrival))
    cooked = confirmed[:(placed + 1) // 2]
    first = cooked[:(len(cooked) + 1) // 2]
    for order_id, arrival in first:
        placing.pick_arrival(database, order_id, arrival, op.operator)
    on_routes = _first_wave(database, settings, now, [i for i, _ in first]) if first else 0
    for order_id, arrival in cooked[len(first):]:
        placing.pick_arrival(database, order_id, arrival, op.operator)
    return Lunch(placed, len(cooked) - on_routes, on_routes, refused)


def _first_wave(database: Database, settings: Settings, now: datetime,
                order_ids: list[int]) -> int:
    """One scheduler pass, solved inline and committed: the ready orders go out as each
    depot's batching policy says (none where waves are on demand). Returns how many of
    ``order_ids`` it routed."""
    quick = settings.model_copy(update={"plan_solution_limit": FIRST_WAVE_SOLUTIONS,
                                        "wave_auto_commit": True})
    if waves.run_due_waves(database, quick, now=now, runner=worker.run_inline):
        commit_finished_waves(database, quick, now=now)
    with database.read_uow() as uow:
        return uow.db.scalar(select(func.count()).select_from(Order).where(
            Order.id.in_(order_ids), Order.status == OrderStatus.PLANNED.value)) or 0
