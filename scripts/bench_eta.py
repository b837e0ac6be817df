#!/usr/bin/env python
"""Micro-benchmark of the ETA engine: how long re-timing one 30-stop route takes.

For each backend this creates a fresh migrated database (SQLite: a temporary file;
PostgreSQL: a new schema in the test database, dropped afterwards), seeds one warehouse
with ``--samples`` measured ETA errors, and an active route of ``--stops`` out-for-delivery
orders around Monaco. It then times, in-process, ``--repeat`` transactions of each kind:

- refresh, all move: 30 s pass with the driver standing still, so every ETA moves (the
  worst case: every stop is rewritten); update the position, refresh, commit;
- refresh, none move: the same after 1 s (ETAs move less than the write tolerance:
  nothing but the position and the route's timestamp is written);
- ping + refresh: ``record_ping`` (store the ping, move the position, refresh), commit.

Mean, p50 and p99 wall time per transaction are printed in milliseconds, with the
benchmark process's own CPU time per transaction (steadier on a busy machine).

    .venv/bin/python scripts/bench_eta.py --backend both
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from benchlib import fresh_database, percentile
from rich.console import Console
from rich.table import Table

from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.fleet.models import Driver
from dispatch.orders.models import Customer, Order
from dispatch.stock.models import Warehouse
from dispatch.stoplists.models import DriverRoute, RouteStop
from dispatch.tracking.eta import refresh_route
from dispatch.tracking.locations import PingIn, record_ping
from dispatch.tracking.models import DriverPosition

MONACO = (43.7384, 7.4246)
console = Console()


def seed(database: Database, stops: int, samples: int, now: datetime) -> tuple[int, int]:
    """One warehouse, a driver on an active route of ``stops`` orders; returns ids."""
    rng = random.Random(7)
    with database.uow() as uow:
        db = uow.db
        warehouse = Warehouse(code="MC", name="Monaco Port", lat=MONACO[0], lon=MONACO[1])
        customer = Customer(name="Bench", email="bench@example.com")
        db.add_all([warehouse, customer])
        db.flush()
        driver = Driver(name="Ana", warehouse_id=warehouse.id, capacity_weight_g=500_000,
                        capacity_volume_ml=2_000_000, skills=[])
        db.add(driver)
        db.flush()
        old = now - timedelta(days=1)
        history = DriverRoute(driver_id=driver.id, warehouse_id=warehouse.id,
                              status="completed", planned_start=old, planned_end=old)
        for i in range(samples):
            history.stops.append(RouteStop(
                sequence=i + 1, kind="delivery", status="completed", lat=MONACO[0],
                lon=MONACO[1], window_start=old, window_end=old, planned_eta=old, eta=old,
                eta_low=old, eta_high=old, arrived_at=old,
                eta_error_seconds=rng.gauss(0, 420), eta_lead_seconds=rng.uniform(0, 7200)))
        route = DriverRoute(driver_id=driver.id, warehouse_id=warehouse.id, status="active",
                            planned_start=now, planned_end=now + timedelta(hours=8))
        db.add_all([history, route])
        for i in range(stops):
            lat = MONACO[0] + rng.uniform(-0.015, 0.015)
            lon = MONACO[1] + rng.uniform(-0.02, 0.02)
            start = now + timedelta(minutes=15 * i)
            order = Order(customer_id=customer.id, warehouse_id=warehouse.id,
                          driver_id=driver.id, status="out_for_delivery", lat=lat, lon=lon,
                          window_start=start, window_end=start + timedelta(hours=2),
                          payment_method="cash_on_delivery", currency="EUR",
                          subtotal_minor=1000, delivery_fee_minor=350, total_minor=1350)
            db.add(order)
            db.flush()
            route.stops.append(RouteStop(
                sequence=i + 1, kind="delivery", order_id=order.id, lat=lat, lon=lon,
                window_start=order.window_start, window_end=order.window_end,
                service_seconds=180.0, load_after={}, planned_eta=start, eta=start,
                eta_low=start, eta_high=start))
        db.add(DriverPosition(driver_id=driver.id, lat=MONACO[0], lon=MONACO[1],
                              recorded_at=now))
        db.flush()
        ids = (route.id, driver.id)
        uow.commit()
    return ids


def timed(repeat: int, step: Callable[[int], None]) -> tuple[list[float], float]:
    """Wall milliseconds per call, and this process's mean CPU milliseconds per call
    (less disturbed by other load on the machine; excludes PostgreSQL's own work)."""
    for i in range(min(20, repeat)):  # warm up: imports, caches, the connection pool
        step(-1 - i)
    times = []
    cpu_began = time.process_time()
    for i in range(repeat):
        began = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - began) * 1000)
    return times, (time.process_time() - cpu_began) * 1000 / max(1, repeat)


def bench_backend(backend: str, args: argparse.Namespace
                  ) -> list[tuple[str, tuple[list[float], float]]]:
    with fresh_database(backend, None) as url:
        database = Database(make_engine(url))
        try:
            base = datetime.now(UTC).replace(microsecond=0)
            route_id, driver_id = seed(database, args.stops, args.samples, base)
            clock = {"now": base}

            def refresh(seconds: float) -> Callable[[int], None]:
                """Time passes at a standstill: every ETA moves ``seconds`` later."""
                def step(_: int) -> None:
                    clock["now"] += timedelta(seconds=seconds)
                    with database.uow() as uow:
                        position = uow.db.get(DriverPosition, driver_id, with_for_update=True)
                        position.recorded_at = clock["now"]
                        refresh_route(uow.db, route_id, now=clock["now"])
                        uow.commit()
                return step

            def ping(_: int) -> None:
                clock["now"] += timedelta(seconds=5)
                lon = MONACO[1] + 0.0003 * math.sin(clock["now"].timestamp())
                cmd = PingIn(lat=MONACO[0], lon=lon, timestamp=clock["now"])
                record_ping(database.uow(), driver_id, cmd, now=clock["now"])

            return [
                ("refresh, all move", timed(args.repeat, refresh(30))),
                ("refresh, none move", timed(args.repeat, refresh(1))),
                ("ping + refresh", timed(args.repeat, ping)),
            ]
        finally:
            database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--stops", type=int, default=30)
    parser.add_argument("--samples", type=int, default=500,
                        help="measured ETA errors in the warehouse's history")
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    table = Table(title=f"ETA refresh of a {args.stops}-stop route, {args.repeat} "
                        "transactions each (ms, commit included)")
    for column in ("backend", "transaction"):
        table.add_column(column)
    for column in ("mean", "p50", "p99", "client CPU mean"):
        table.add_column(column, justify="right")
    for backend in backends:
        for name, (times, cpu) in bench_backend(backend, args):
            table.add_row(backend, name, f"{statistics.fmean(times):.2f}",
                          f"{percentile(times, 50):.2f}", f"{percentile(times, 99):.2f}",
                          f"{cpu:.2f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
