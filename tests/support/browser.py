"""Headless Chromium for page tests and screenshots: the system browser (Debian's
``chromium``), driven by Playwright, with nothing allowed to leave loopback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root Chromium needs --no-sandbox; the rest stop it calling Google's services, which
# this machine's closed network refuses (see the env doc).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = ("http://127.0.0.1", "http://localhost", "data:", "blob:")


def missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if CHROMIUM is None:
        return "no system Chromium (apt-get install chromium; .ci/run installs it)"
    return None


@dataclass
class Watch:
    """What a page said and fetched while open."""

    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@contextmanager
def browser_page(width: int = 1400, height: int = 900) -> Iterator[tuple[object, Watch]]:
    """A fresh page in headless Chromium, with its console errors and any request that
    leaves loopback recorded (and aborted)."""
    from playwright.sync_api import sync_playwright

    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: watch.console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: watch.console_errors.append(str(e)))

            def guard(route) -> None:
                if route.request.url.startswith(LOOPBACK):
                    route.continue_()
                else:
                    watch.outside_requests.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            yield page, watch
        finally:
            browser.close()
