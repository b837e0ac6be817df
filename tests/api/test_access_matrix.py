"""Who may call what: every endpoint against every role, and objects that are not yours.

``POLICY`` is the intended access policy, written out by hand (not read from the routes,
so a route whose ``require``/``caller`` drifts from it fails here). Every route the app
serves must have a row and every row must be a route, so a new endpoint cannot ship
without a decision on who may call it.

Per row, each caller is one test: an allowed role never gets 401/403 (nor a 5xx; a 404,
409, 412 or 422 is fine, since the shared objects move through their states as the
tests run), a role outside the row gets exactly 403 as problem+json, and no token gets
401. Object-level rules: a driver asking for another driver's order or return gets 404,
never 403 (the object's existence is not revealed), and so does everyone for an id that
does not exist; list endpoints show a driver only their own objects. Server-owned order
fields in a request body are refused with 422 naming the field.

The world is seeded once per backend (SQLite and PostgreSQL, each in a database of its
own) for the whole module, which keeps the ~500 cases fast; no assertion depends on the
order in which the cases run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.app import create_app
from api.problems import PROBLEM_JSON
from dispatch.orders.models import Order
from dispatch.returns.models import Return
from dispatch.settings import Settings
from tests.api.access_policy import (
    CALLERS,
    DRIVER,
    EVERYONE,
    MISSING_ID,
    PATH_OBJECTS,
    POLICY,
    PUBLIC,
    Row,
    served_operations,
    shift_body,
)
from tests.support.world import World, order_body, seed_world


def test_policy_covers_every_endpoint_and_nothing_else():
    app = create_app(Settings(database_url="sqlite://", migrate_on_start=False))
    served = served_operations(app)
    table = [(row.method, row.path) for row in POLICY]
    assert len(table) == len(set(table)), "a row appears twice in POLICY"
    assert PUBLIC <= served and not PUBLIC & set(table)
    unlisted = sorted(served - set(table) - PUBLIC)
    stale = sorted(set(table) - served)
    assert not unlisted, f"endpoints without an access policy (add them to POLICY): {unlisted}"
    assert not stale, f"POLICY rows for endpoints the app does not serve: {stale}"
    for row in POLICY:
        assert row.roles and row.roles <= EVERYONE, row


# --- The seeded world, once per backend ----------------------------------------------------


@dataclass
class Seeded:
    client: TestClient
    world: World
    database: Any
    ids: dict[str, int | str]

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == "anonymous" else self.world.auth(who)

    def url(self, row: Row, **override: int | str) -> str:
        params = {}
        for name, key in {**PATH_OBJECTS, **row.objects}.items():
            params[name] = override.get(name, self.ids[key])
        return row.path.format(**params)

    def call(self, row: Row, who: str, **override: int | str):
        kwargs: dict[str, Any] = {"headers": self.headers(who)}
        if row.body is not None:
            kwargs["json"] = row.body(self)
        return self.client.request(row.method, self.url(row, **override), **kwargs)


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _planned_order(client: TestClient, world: World, driver: str, quantity: int = 1,
                   **body: Any) -> dict:
    """An order placed, picked and put on ``driver``'s route."""
    order = _ok(client.post("/orders", json=order_body([("RETRO-CLOCK", quantity)], **body),
                            headers=world.auth("dispatcher")), 201)
    lines = {"lines": [{"sku": "RETRO-CLOCK", "quantity": quantity}]}
    _ok(client.post(f"/orders/{order['id']}/pick", json=lines, headers=world.auth("operator")))
    return _ok(client.post(f"/orders/{order['id']}/assign",
                           json={"driver_id": world.drivers[driver]},
                           headers=world.auth("dispatcher")))


def _approved_return(client: TestClient, world: World, order: dict, database,
                     driver: str) -> dict:
    """A one-unit refund return of ``order``, approved and given to ``driver`` to collect."""
    body = {"lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1,
                       "reason": "damaged"}], "resolution": "refund"}
    ret = _ok(client.post(f"/orders/{order['id']}/returns", json=body,
                          headers=world.auth("operator")), 201)
    _ok(client.post(f"/returns/{ret['id']}/approve", headers=world.auth("operator")))
    # No endpoint assigns pickups (the dispatch loop will); do what it would do.
    with database.uow() as uow:
        uow.db.execute(update(Return).where(Return.id == ret["id"])
                       .values(driver_id=world.drivers[driver]))
        uow.commit()
    return ret


def _seed(database) -> Seeded:
    world = seed_world(database)
    settings = Settings(database_url=str(database.engine.url), migrate_on_start=False,
                        environment="test", relay_enabled=False, wave_scheduler_enabled=False)
    client = TestClient(create_app(settings, database), raise_server_exceptions=False)
    client.__enter__()
    order = _planned_order(client, world, "ana")
    listed = _planned_order(client, world, "ana")
    foreign = _planned_order(client, world, "bruno")
    delivered = _planned_order(client, world, "ana", quantity=3, card="tok_visa")
    _ok(client.post(f"/orders/{delivered['id']}/depart", headers=world.auth("driver")))
    delivered = _ok(client.post(f"/orders/{delivered['id']}/deliver",
                                json={"recipient_name": "Marie"}, headers=world.auth("driver")))
    assert delivered["status"] == "delivered" and delivered["payment"]["status"] == "captured"
    own_return = _approved_return(client, world, delivered, database, "ana")
    foreign_return = _approved_return(client, world, delivered, database, "bruno")
    ids: dict[str, int | str] = {
        "order": order["id"], "listed": listed["id"], "foreign_order": foreign["id"],
        "delivered": delivered["id"], "delivered_line": delivered["lines"][0]["id"],
        "return": own_return["id"], "return_line": own_return["lines"][0]["id"],
        "foreign_return": foreign_return["id"],
        "warehouse": world.warehouses["MC"], "sku": world.skus["RETRO-CLOCK"],
        "sku_code": "RETRO-CLOCK", "driver": world.drivers["ana"],
        **_stop_route(database, world),
        **_dead_webhook_delivery(database),
        "shift": _ok(client.post(f"/drivers/{world.drivers['ana']}/shifts", json=shift_body(),
                                 headers=world.auth("dispatcher")), 201)["id"],
        "plan": _done_plan(database, world),
    }
    return Seeded(client=client, world=world, database=database, ids=ids)


def _done_plan(database, world: World) -> int:
    """A solved plan with no routes (so no solver process is needed to seed it)."""
    from datetime import UTC, datetime

    from dispatch.planning.models import Plan

    with database.uow() as uow:
        plan = Plan(status="done", warehouse_ids=[world.warehouses["MC"]],
                    driver_ids=[world.drivers["ana"]], params={}, origin_at=datetime.now(UTC),
                    snapshot={"orders": {}, "returns": {}, "shifts": {}, "routes": {}},
                    result={"routes": [], "unassigned": [], "kpis": {}}, version=1)
        uow.db.add(plan)
        uow.db.flush()
        plan_id = plan.id
        uow.commit()
    return plan_id


def _dead_webhook_delivery(database) -> dict[str, int]:
    """A webhook endpoint (on a public address) with one dead delivery of an event."""
    from dispatch.events.models import OutboxEvent
    from dispatch.webhooks.models import WebhookDelivery, WebhookEndpoint

    with database.uow() as uow:
        endpoint = WebhookEndpoint(url="https://93.184.216.34/seeded", secret="whsec_seeded",
                                   event_types=["*"], active=True)
        uow.db.add(endpoint)
        uow.db.flush()
        event_id = uow.db.scalar(select(func.min(OutboxEvent.id)))
        delivery = WebhookDelivery(endpoint_id=endpoint.id, outbox_event_id=event_id,
                                   status="dead", attempts=8)
        uow.db.add(delivery)
        uow.db.flush()
        ids = {"webhook": endpoint.id, "delivery": delivery.id}
        uow.commit()
    return ids


def _stop_route(database, world: World) -> dict[str, int]:
    """Ana's published route with one delivery stop (what a plan commit writes)."""
    from tests.support.routes import publish_route, ready_order, stop_ids

    route_id = publish_route(database, world, "ana", [ready_order(database, world)])
    return {"route": route_id, "stop": stop_ids(database, route_id)[0]}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory) -> Iterator[Seeded]:
    """A world with orders and returns in known states, on a database of its own."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        database = template.fresh(tmp_path_factory.mktemp("access-matrix"))
        drop = None
    else:
        from tests.support.databases import PostgresSchema, postgres_unavailable_reason

        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        schema = PostgresSchema()  # private: other modules truncate the shared one
        database = schema.fresh()
        drop = schema.drop
    state = _seed(database)
    yield state
    state.client.__exit__(None, None, None)
    database.dispose()
    if drop is not None:
        drop()


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON, response.headers
    body = response.json()
    assert body["status"] == status, body
    return body


# --- Every row, every caller ---------------------------------------------------------------


def _cases():
    for row in POLICY:
        for who in CALLERS:
            yield pytest.param(row, who, id=f"{row} as {who}")


@pytest.mark.parametrize(("row", "who"), list(_cases()))
def test_role_matrix(seeded, row, who):
    role = CALLERS[who]
    response = seeded.call(row, who)
    if role is None:
        body = _problem(response, 401)
        assert body["field"] == "Authorization"
        bad_token = seeded.client.request(
            row.method, seeded.url(row), headers={"Authorization": "Bearer not-a-token"},
            json=row.body(seeded) if row.body else None)
        _problem(bad_token, 401)
    elif role in row.roles:
        assert response.status_code not in (401, 403), (
            f"{who} is allowed {row} by the policy but got {response.status_code}: "
            f"{response.text}")
        assert response.status_code < 500, response.text
    else:
        body = _problem(response, 403)
        assert body["type"] == "urn:dispatch:problem:forbidden", body


# --- Objects that are not yours, and objects that do not exist -----------------------------

ORDER_ROWS = {str(row): row for row in POLICY if row.path.startswith("/orders/{order_id}")}
DRIVER_ORDER_ROWS = [ORDER_ROWS[f"{method} /orders/{{order_id}}{suffix}"] for method, suffix in (
    ("GET", ""), ("GET", "/events"), ("POST", "/depart"), ("POST", "/deliver"), ("POST", "/fail"),
)]


@pytest.mark.parametrize("row", DRIVER_ORDER_ROWS, ids=str)
def test_another_drivers_order_is_404_to_a_driver(seeded, row):
    """Ana asks about Bruno's order: 404 as if it did not exist, and nothing changes."""
    response = seeded.call(row, "driver", order_id=seeded.ids["foreign_order"])
    assert _problem(response, 404)["field"] == "order_id"
    order = _ok(seeded.client.get(f"/orders/{seeded.ids['foreign_order']}",
                                  headers=seeded.headers("other_driver")))
    assert order["status"] == "planned" and order["driver_id"] == seeded.world.drivers["bruno"]


@pytest.mark.parametrize("row", [r for r in POLICY if "{return_id}" in r.path and DRIVER in r.roles],
                         ids=str)
def test_another_drivers_return_is_404_to_a_driver(seeded, row):
    """Ana asks about (or collects) the return Bruno is to collect: 404; it stays approved."""
    response = seeded.call(row, "driver", return_id=seeded.ids["foreign_return"])
    assert _problem(response, 404)["field"] == "return_id"
    ret = _ok(seeded.client.get(f"/returns/{seeded.ids['foreign_return']}",
                                headers=seeded.headers("other_driver")))
    assert ret["status"] == "approved"


def _missing_cases():
    for row in POLICY:
        params = [name for name in PATH_OBJECTS if "{" + name + "}" in row.path]
        if not params:
            continue
        for who, role in CALLERS.items():
            if role in row.roles:
                yield pytest.param(row, who, id=f"{row} as {who}")


@pytest.mark.parametrize(("row", "who"), list(_missing_cases()))
def test_missing_object_is_404_for_every_allowed_caller(seeded, row, who):
    """Every id in the path, in turn, names nothing: 404 problem naming that parameter."""
    for name in PATH_OBJECTS:
        if "{" + name + "}" not in row.path:
            continue
        missing = "NO-SUCH-SKU" if name == "sku" else MISSING_ID
        body = _problem(seeded.call(row, who, **{name: missing}), 404)
        if name != "sku":  # a missing SKU code is named as "sku" or not at all
            assert body.get("field") in (name, None), body


def test_driver_lists_only_their_own_orders(seeded):
    ana, bruno = seeded.world.drivers["ana"], seeded.world.drivers["bruno"]
    for who, me, mine, theirs in (("driver", ana, "listed", "foreign_order"),
                                  ("other_driver", bruno, "foreign_order", "listed")):
        for query in ("", "?status=planned", f"?warehouse_id={seeded.ids['warehouse']}",
                      "?customer_email=marie@example.com", "?limit=200"):
            page = _ok(seeded.client.get(f"/orders{query}", headers=seeded.headers(who)))
            ids = {item["id"] for item in page["items"]}
            assert {item["driver_id"] for item in page["items"]} <= {me}, (who, query, page)
            assert seeded.ids[theirs] not in ids, (who, query)
            assert seeded.ids[mine] in ids, (who, query, ids)
    everything = _ok(seeded.client.get("/orders?limit=200", headers=seeded.headers("dispatcher")))
    staff_ids = {item["id"] for item in everything["items"]}
    assert {seeded.ids["listed"], seeded.ids["foreign_order"]} <= staff_ids


def test_driver_lists_only_their_own_returns(seeded):
    for who, mine, theirs in (("driver", "return", "foreign_return"),
                              ("other_driver", "foreign_return", "return")):
        page = _ok(seeded.client.get("/returns?limit=200", headers=seeded.headers(who)))
        ids = {item["id"] for item in page["items"]}
        assert seeded.ids[mine] in ids and seeded.ids[theirs] not in ids, (who, ids)
    staff = _ok(seeded.client.get("/returns?limit=200", headers=seeded.headers("operator")))
    assert {seeded.ids["return"], seeded.ids["foreign_return"]} <= {i["id"] for i in staff["items"]}


def test_driver_reads_their_own_order_and_record(seeded):
    """The 404s above are about ownership: the same driver reaches their own objects."""
    order = _ok(seeded.client.get(f"/orders/{seeded.ids['listed']}",
                                  headers=seeded.headers("driver")))
    assert order["driver_id"] == seeded.world.drivers["ana"]
    assert _ok(seeded.client.get("/drivers/me", headers=seeded.headers("driver")))["id"] == (
        seeded.world.drivers["ana"])
    assert _ok(seeded.client.get("/drivers/me", headers=seeded.headers("other_driver")))["id"] == (
        seeded.world.drivers["bruno"])


# --- Server-owned fields -------------------------------------------------------------------

SERVER_OWNED = {
    "status": "delivered",
    "total_minor": 1,
    "driver_id": 1,
    "warehouse_id": 1,
    "reserved": True,
    "id": 1,
    "version": 7,
}


def _order_count(database) -> int:
    with database.uow() as uow:
        return uow.db.scalar(select(func.count(Order.id)))


@pytest.mark.parametrize("name", sorted(SERVER_OWNED))
def test_server_owned_order_field_is_refused(seeded, name):
    before = _order_count(seeded.database)
    body = {**order_body(), name: SERVER_OWNED[name]}
    problem = _problem(seeded.client.post("/orders", json=body,
                                          headers=seeded.headers("dispatcher")), 422)
    assert problem["field"] == name, problem
    assert _order_count(seeded.database) == before


@pytest.mark.parametrize(("path", "value"), [
    ("lines[0].unit_price_minor", 1), ("payment.status", "captured"), ("customer.id", 1),
])
def test_server_owned_nested_field_is_refused(seeded, path, value):
    body = order_body()
    container, name = path.rsplit(".", 1)
    target = body["lines"][0] if container == "lines[0]" else body[container]
    target[name] = value
    before = _order_count(seeded.database)
    problem = _problem(seeded.client.post("/orders", json=body,
                                          headers=seeded.headers("dispatcher")), 422)
    assert problem["field"] == path, problem
    assert _order_count(seeded.database) == before
