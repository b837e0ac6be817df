"""The HTML report renders offline with the period's figures, charts, tables and map."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.analytics.report_page import report_page
from dispatch.analytics.schemas import PeriodQuery
from dispatch.analytics.zones import zone_of
from tests.analytics.kpi_support import drive_a_route
from tests.support.world import CASINO


def assert_offline(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", html, re.I)
    assert "<link" not in html.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)


@pytest.fixture
def page(database, world) -> str:
    t0, _ = drive_a_route(database, world)
    query = PeriodQuery(start=t0.date() - timedelta(days=1), end=datetime.now(UTC).date(),
                     zone_precision=7)
    made = report_page(database.read_uow(), query, now=datetime.now(UTC), currency="EUR")
    assert made.by_day.overall.orders == 3
    return made.html


def test_the_report_leads_with_the_figures_and_charts(page):
    assert "33.3%" in page  # on time: one of three
    assert "66.7%" in page  # first attempt: two of three
    assert page.count("<svg") == 7
    assert "Where the time went, against the plan" in page and "2 stops served" in page
    assert "On time, by driver" in page and ">Ana<" in page


def test_the_worst_zones_and_the_map_are_in_the_page(page):
    # Each zone has one order: fewer than a pattern needs, so the zone table is empty...
    assert f"<td>{zone_of(*CASINO, 7)}</td>" not in page
    # ...but the map shades every zone and draws the route.
    assert "<iframe" in page and "srcdoc=" in page
    assert f"zone {zone_of(*CASINO, 7)}: 1 due, 100% on time" in page
    assert "L.polyline" in page and "L.rectangle" in page


def test_the_report_renders_offline(page):
    assert_offline(page)
