"""A simulated day shared by the tests that only read it back."""

from __future__ import annotations

import pytest

from dispatch.sim.run import simulate
from tests.sim.support import QUICK, RETURNS, small_day


@pytest.fixture(scope="package")
def returned_day(sqlite_template, tmp_path_factory):
    """One small planned day in which every customer sends the order back (read only)."""
    database = sqlite_template.fresh(tmp_path_factory.mktemp("returned-day"))
    run = simulate(database, small_day(returns=RETURNS), QUICK)
    yield run
    database.dispose()
