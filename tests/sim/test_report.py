"""The report of a day with returns: its KPIs and the event log show every return step
and every notification sent, in time order."""

from __future__ import annotations

import csv
import json
from collections import Counter

from sqlalchemy import select

from dispatch.returns.models import Return
from dispatch.sim.kpis import day_kpis
from dispatch.sim.report import write_report


def test_the_event_log_follows_each_return_and_notification(returned_day, tmp_path):
    kpis = day_kpis(returned_day)
    paths = write_report(returned_day, kpis, tmp_path)
    with paths["events"].open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    steps = Counter(r["what"] for r in rows if r["kind"] == "return")
    assert steps["requested"] == steps["approved"] == kpis.returns_requested
    assert steps["picked_up"] == kpis.returns_picked_up
    assert steps["restocked"] > 0 and steps["refunded"] > 0
    assert sum(1 for r in rows if r["kind"] == "notification") == kpis.notifications_sent
    with returned_day.database.read_uow() as uow:
        returned = {str(order) for order in uow.db.scalars(select(Return.order_id))}
    pickups = [r for r in rows if r["kind"] == "stop" and r["what"] == "completed"
               and r["order_id"] in returned]
    assert pickups  # a pickup stop's events name the order that came back
    saved = json.loads(paths["kpis"].read_text())
    assert saved["returns_requested"] == kpis.returns_requested
    assert saved["notifications_by_kind"] == kpis.notifications_by_kind
