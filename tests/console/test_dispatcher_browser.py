"""The dispatcher page in a real browser (headless system Chromium via Playwright),
against a real uvicorn on a seeded SQLite database: it loads clean and offline, draws the
operation, plans and commits a wave, and follows a driver's pings live."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from dispatch.db.database import Database
from dispatch.fraud.screening import Screening
from dispatch.orders.placement import place_order
from dispatch.orders.schemas import OrderCreate
from tests.concurrency.conftest import start_uvicorn, stop_uvicorn
from tests.planning.plans_support import on_shift
from tests.support import browser
from tests.support.routes import ready_order
from tests.support.world import CASINO, MONACO, World, order_body, seed_world
from tests.tracking.test_eta import FONTVIEILLE, LARVOTTO

pytestmark = pytest.mark.skipif(browser.missing() is not None,
                                reason=browser.missing() or "")

ORDERS = (CASINO, LARVOTTO, FONTVIEILLE, MONACO)


@dataclass
class Site:
    base_url: str
    world: World
    database: Database


@pytest.fixture
def site(sqlite_template, tmp_path) -> Iterator[Site]:
    database = sqlite_template.fresh(tmp_path)
    world = seed_world(database)
    for driver in ("ana", "bruno"):
        on_shift(database, world, driver)
    for i, where in enumerate(ORDERS):
        ready_order(database, world, where=where, email=f"c{i}@example.com", hours_ahead=1.0)
    url = database.engine.url.render_as_string(hide_password=False)
    process, base_url = start_uvicorn(url, workers=1, log_path=tmp_path / "uvicorn.log",
                                      extra_env={"DISPATCH_RELAY_ENABLED": "false",
                                                 "DISPATCH_WAVE_SCHEDULER_ENABLED": "false",
                                                 "DISPATCH_PLAN_TIME_LIMIT_DEFAULT": "1"})
    ping(base_url, world, MONACO)
    yield Site(base_url, world, database)
    stop_uvicorn(process)
    database.dispose()


def ping(base_url: str, world: World, where) -> None:
    body = {"lat": where[0], "lon": where[1], "timestamp": datetime.now(UTC).isoformat()}
    response = httpx.post(base_url + "/drivers/me/location", json=body,
                          headers=world.auth("driver"), timeout=10)
    assert response.status_code == 200, response.text


def sign_in(page, site: Site) -> None:
    page.goto(site.base_url + "/")
    page.fill("#token", site.world.auth("dispatcher")["Authorization"].split()[1])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#controls:not([hidden])")
    page.wait_for_selector(".dsp-depot")


# No page.evaluate or wait_for_function here: the page's policy forbids evaluating
# strings as script, so the test reads the DOM the way a user would see it.
def driver_style(page) -> str:
    """The driver marker's style attribute, where Leaflet writes its screen position."""
    return page.locator(".dsp-icon:has(.dsp-driver)").get_attribute("style")


def wait_until(check, seconds: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_the_page_plans_commits_and_follows_a_driver(site, tmp_path):
    with browser.browser_page() as (page, watch):
        sign_in(page, site)
        # Seeded data: both warehouses, the four ready orders, Ana where she pinged.
        assert page.locator(".dsp-depot").count() == len(site.world.warehouses)
        assert page.locator("path.leaflet-interactive").count() == len(ORDERS)
        assert page.locator(".dsp-driver").count() == 1
        assert "ready: 4" in page.inner_text("#legend")

        page.click("#plan")
        page.wait_for_selector("#commit:not([disabled])", timeout=90_000)
        assert page.locator(".dsp-stop.proposed").count() == len(ORDERS)
        assert "none" in page.inner_text("#unassigned")

        page.click("#commit")
        page.wait_for_selector("#status:has-text('committed')")
        wait_until(lambda: page.locator(".dsp-stop:not(.proposed)").count() == len(ORDERS),
                   what="committed routes on the map")
        assert page.locator(".dsp-stop.proposed").count() == 0
        assert "planned: 4" in page.inner_text("#legend")
        page.wait_for_selector("#live.on")

        before = driver_style(page)
        ping(site.base_url, site.world, (MONACO[0] + 0.0008, MONACO[1]))  # 90 m north
        wait_until(lambda: driver_style(page) != before, what="the driver's marker to move")

        page.screenshot(path=str(tmp_path / "dispatcher.png"))
        assert watch.console_errors == []
        assert watch.outside_requests == []


def test_a_wrong_token_is_told_and_nothing_loads(site):
    with browser.browser_page() as (page, watch):
        page.goto(site.base_url + "/")
        page.fill("#token", site.world.auth("driver")["Authorization"].split()[1])
        page.click("#login button[type=submit]")
        page.wait_for_selector("#login-error:has-text('dispatcher')")
        assert page.locator(".dsp-depot").count() == 0
        assert watch.outside_requests == []


def held_order(site: Site) -> int:
    """Four orders on one card within a minute, screened: the fourth is held (others may
    be too: the site's ready orders share their phone and doors)."""
    for i, where in enumerate(ORDERS):
        order = place_order(site.database.uow(), OrderCreate.model_validate(
            order_body(card="tok_visa_burst", email=f"h{i}@example.com", where=where)),
            site.world.principals["dispatcher"], geocoder=None, currency="EUR",
            delivery_fee_minor=350, screening=Screening(models=None))
    assert order.status == "on_hold"
    return order.id


def test_a_held_order_is_shown_with_its_reasons_and_approved(site):
    order_id = held_order(site)
    with browser.browser_page() as (page, watch):
        sign_in(page, site)
        hold = page.locator(f"#holds li.hold[data-order-id='{order_id}']")
        hold.wait_for()
        assert "4 orders on this card" in hold.inner_text()
        hold.locator("button.approve").click()
        page.wait_for_selector(f"#status:has-text('Order {order_id} approved')")
        wait_until(lambda: hold.count() == 0, what="the approved order to leave the list")
        assert watch.console_errors == [] and watch.outside_requests == []
    response = httpx.get(f"{site.base_url}/orders/{order_id}",
                         headers=site.world.auth("admin"), timeout=10)
    assert response.json()["status"] == "confirmed"
    assert response.json()["risk"]["decision"] == "approved"
