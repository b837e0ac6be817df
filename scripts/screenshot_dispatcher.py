#!/usr/bin/env python
"""Write a screenshot of the dispatcher page to ``out/dispatcher.png``.

Seeds the demo operation (the restaurant lunch `make run` serves) on a fresh SQLite
database, serves the API on a free loopback port, signs in as the demo dispatcher in
headless Chromium (the system browser, through Playwright), plans a wave of the ready
orders, commits it, and photographs the map with its routes.

    .venv/bin/python scripts/screenshot_dispatcher.py [--out out/dispatcher.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import fresh_database, server
from rich.console import Console

from dispatch.db.database import Database
from dispatch.db.engine import make_engine
from dispatch.demo.seed import seed_demo
from dispatch.settings import Settings
from tests.support import browser

console = Console(stderr=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/dispatcher.png"))
    args = parser.parse_args(argv)
    reason = browser.missing()
    if reason:
        console.print(f"[red]cannot take the screenshot: {reason}[/]")
        return 1
    with fresh_database("sqlite", None) as url, tempfile.TemporaryDirectory() as logs:
        database = Database(make_engine(url))
        token = seed_demo(database, Settings(database_url=url)).tokens["dispatcher"]
        database.dispose()
        env = {"DISPATCH_RELAY_ENABLED": "false", "DISPATCH_WAVE_SCHEDULER_ENABLED": "false",
               "DISPATCH_PLAN_TIME_LIMIT_DEFAULT": "2"}
        with server(url, 1, pool_size=5, max_overflow=5, threads=None,
                    log_path=Path(logs) / "uvicorn.log", env=env) as (base_url, _):
            with browser.browser_page() as (page, watch):
                page.goto(base_url + "/")
                page.fill("#token", token)
                page.click("#login button[type=submit]")
                page.wait_for_selector(".dsp-depot")
                page.click("#plan")
                page.wait_for_selector("#commit:not([disabled])", timeout=120_000)
                page.click("#commit")
                page.wait_for_selector("#status:has-text('committed')")
                page.wait_for_timeout(1500)  # the refreshed snapshot draws the routes
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
    problems = watch.console_errors + watch.outside_requests
    console.print(f"wrote {args.out}" + (f" [yellow](page reported: {problems})[/]"
                                         if problems else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
