"""Schemathesis against the app's own OpenAPI schema: no generated request gets a 5xx.

Every operation in the schema is one test: Hypothesis draws a bounded number of requests
from schemathesis's strategies for it, valid ones and ones breaking the schema, and sends
them to the ASGI app in process. Checks on every answer: not a server error
(``not_a_server_error``), and an error answer is an ``application/problem+json`` document
whose ``status`` matches. The main pass authenticates as the admin, so requests get past
the role checks into the route logic; a smaller pass runs as a driver (object-level
filtering paths). Each test gets a freshly seeded database: the full passes use SQLite, a
reduced admin pass runs on PostgreSQL, which is stricter about what it stores (NUL
characters, 32-bit ids).

Why not ``@schema.parametrize()`` or ``schemathesis.pytest.from_fixture``: with the
installed pytest (9.2) the lazy loader fails (it sets ``Node._nodeid``, gone in pytest 9)
and the eager plugin gives every operation the same test id. ``APIOperation.as_strategy``
is schemathesis's public API for driving Hypothesis directly, with plain pytest fixtures
and readable test ids (``test_admin_requests[POST /orders]``).

A failure prints the falsifying case; paste it into ``tests/api/test_bad_input.py`` as a
focused regression test when fixing the bug.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api.app import create_app
from api.problems import PROBLEM_JSON
from dispatch.settings import Settings
from tests.api.access_policy import DRIVER, POLICY, PUBLIC
from tests.support.world import seed_world

SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://", migrate_on_start=False)).openapi()
)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
LABELS = sorted(OPERATIONS)

# Operations a driver may call at all (the access policy says which); the others answer
# 403 before any logic runs, which the access matrix already checks.
DRIVER_LABELS = [f"{row.method} {row.path}" for row in POLICY if DRIVER in row.roles]

# Examples per operation; DISPATCH_FUZZ_SCALE=10 makes a deeper local run (10x as many).
SCALE = float(os.environ.get("DISPATCH_FUZZ_SCALE", "1"))
ADMIN_EXAMPLES, DRIVER_EXAMPLES, POSTGRES_EXAMPLES = (max(1, round(n * SCALE)) for n in (25, 10, 10))

HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
          HealthCheck.filter_too_much, HealthCheck.data_too_large]


def problem_json_errors(ctx, response, case):
    """An error answer (4xx, 5xx) is an RFC 9457 problem document with a matching status."""
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])
    media = media[0] if isinstance(media, list) else media
    assert media.split(";")[0].strip() == PROBLEM_JSON, (
        f"{response.status_code} answered with content-type {media!r}, not {PROBLEM_JSON}"
    )
    body = response.json()
    assert body.get("status") == response.status_code, body
    assert body.get("type", "").startswith("urn:dispatch:problem:"), body
    return None


CHECKS = [schemathesis.checks.not_a_server_error, problem_json_errors]


def _app(database):
    settings_ = Settings(database_url=str(database.engine.url), migrate_on_start=False,
                         environment="test")
    return create_app(settings_, database)


def _fuzz(label: str, app, headers: dict[str, str], max_examples: int) -> None:
    """Send ``max_examples`` valid and invalid requests for one operation; check each."""
    operation = OPERATIONS[label]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=max_examples, deadline=None, suppress_health_check=HEALTH,
              print_blob=True)
    @given(case=strategy)
    def run(case):
        case.call_and_validate(app=app, headers=headers, checks=CHECKS)

    run()


@pytest.fixture
def sqlite_api(sqlite_database):
    world = seed_world(sqlite_database)
    return _app(sqlite_database), world


@pytest.fixture
def postgres_api(postgres_schema):
    database = postgres_schema.fresh()
    world = seed_world(database)
    yield _app(database), world
    database.dispose()


@pytest.mark.parametrize("label", LABELS)
def test_admin_requests(label, sqlite_api):
    app, world = sqlite_api
    _fuzz(label, app, world.auth("admin"), ADMIN_EXAMPLES)


@pytest.mark.parametrize("label", DRIVER_LABELS)
def test_driver_requests(label, sqlite_api):
    app, world = sqlite_api
    _fuzz(label, app, world.auth("driver"), DRIVER_EXAMPLES)


@pytest.mark.parametrize("label", LABELS)
def test_admin_requests_on_postgresql(label, postgres_api):
    app, world = postgres_api
    _fuzz(label, app, world.auth("admin"), POSTGRES_EXAMPLES)


# HTML pages and files stay out of the schema (the tracking page answers errors with an
# HTML page); tests/api/test_tracking_page.py, test_console.py and test_plans.py cover them.
HTML_PAGES = {"GET /track/{token}/page", "GET /", "GET /static/{name}",
              "GET /plans/{plan_id}/map.html"}


def test_every_endpoint_is_in_the_schema():
    """Every endpoint of the access policy (which test_access_matrix.py holds equal to the
    app's routes) is in the schema, so none escapes the passes above, except HTML pages."""
    assert set(LABELS) == ({f"{row.method} {row.path}" for row in POLICY} | {
        f"{method} {path}" for method, path in PUBLIC
    }) - HTML_PAGES
    assert DRIVER_LABELS and set(DRIVER_LABELS) <= set(LABELS)
