"""Suite-wide settings.

Tests that need ``../shared`` data, optional packages or local services skip with a reason
when those are missing. CI sets ``DISPATCH_STRICT_SKIPS=1`` (see ``.ci/run``), which turns
every such skip into a failure, so nothing is silently left untested there.
"""

from __future__ import annotations

import os

import pytest

STRICT = os.environ.get("DISPATCH_STRICT_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under DISPATCH_STRICT_SKIPS=1: {reason}"
