"""Suite-wide settings.

Tests that need ``../shared`` data, optional packages or local services skip with a reason
when those are missing. CI sets ``DISPATCH_STRICT_SKIPS=1`` (see ``.ci/run``), which turns
every such skip into a failure, so nothing is silently left untested there.
"""

from __future__ import annotations

import os

import pytest

STRICT = os.environ.get("DISPATCH_STRICT_SKIPS") == "1"

# The test world orders many times from one customer to one door within minutes, which
# fraud screening rightly holds; its own tests (tests/fraud, tests/api/test_screening.py)
# turn it on.
os.environ.setdefault("DISPATCH_FRAUD_SCREENING", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under DISPATCH_STRICT_SKIPS=1: {reason}"


# --- Databases -------------------------------------------------------------------------
# Tests that take the ``database`` fixture run on SQLite and on the local PostgreSQL.


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from tests.support.databases import SqliteTemplate

    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_schema():
    from tests.support.databases import PostgresSchema, postgres_unavailable_reason

    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    schema = PostgresSchema()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A migrated, empty database of each kind the service supports."""
    if request.param == "sqlite":
        db = request.getfixturevalue("sqlite_template").fresh(tmp_path)
    else:
        db = request.getfixturevalue("postgres_schema").fresh()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(sqlite_template, tmp_path):
    """SQLite only, for tests of what the embedded default does."""
    db = sqlite_template.fresh(tmp_path)
    yield db
    db.dispose()


# --- The API on a seeded world ---------------------------------------------------------


@pytest.fixture
def world(database):
    from tests.support.world import seed_world

    return seed_world(database)


@pytest.fixture
def settings(database):
    from dispatch.settings import Settings

    return Settings(
        database_url=str(database.engine.url), migrate_on_start=False, environment="test",
        relay_enabled=False, wave_scheduler_enabled=False,
    )


@pytest.fixture
def client(settings, database, world):
    """An httpx-based client on the app, bound to the seeded ``database``."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings, database), raise_server_exceptions=False) as c:
        yield c
