"""Stop lists, stop events and proofs through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.problems import PROBLEM_JSON
from dispatch.events.models import OutboxEvent
from dispatch.stoplists.models import DriverRoute, RouteStop, StopEvent
from tests.support.routes import approved_return, publish_route, ready_order, stop_ids
from tests.support.world import NICE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


def event(client, world, stop_id, kind, body=None, who="driver", **headers):
    return client.post(f"/drivers/me/stops/{stop_id}/{kind}", json=body,
                       headers={**world.auth(who), **headers})


def problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    if field is not None:
        assert body["field"] == field, body
    return body


def outbox(database, type_: str) -> list[dict]:
    with database.uow() as uow:
        return [e.payload for e in uow.db.scalars(
            select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.id))]


def level(client, world, sku="RETRO-CLOCK") -> tuple[int, int]:
    body = client.get(f"/stock/{world.warehouses['MC']}/{sku}",
                      headers=world.auth("operator")).json()
    return body["on_hand"], body["reserved"]


@pytest.fixture
def route(database, world):
    """Ana's route: two cash-on-delivery orders, then a return pickup."""
    orders = [ready_order(database, world), ready_order(database, world, (("OAT-MILK-1L", 2),))]
    ret = approved_return(database, world)
    route_id = publish_route(database, world, "ana", orders, return_ids=[ret])
    return {"id": route_id, "orders": orders, "return": ret,
            "stops": stop_ids(database, route_id)}


# --- Reading ---------------------------------------------------------------------------------


def test_driver_reads_their_route_with_first_names_items_collect_and_cash(client, world, route):
    r = client.get("/drivers/me/route", headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == f'"{body["version"]}"'
    assert (body["id"], body["status"], body["departed_at"]) == (route["id"], "active", None)
    assert body["warehouse"]["name"] == "Monaco Port"
    stops = body["stops"]
    assert [(s["sequence"], s["kind"], s["status"]) for s in stops] == [
        (1, "delivery", "pending"), (2, "delivery", "pending"), (3, "pickup", "pending")]
    first, second, pickup = stops
    assert first["customer"] == {"name": "Marie", "phone": "+377 93 15 00 00"}
    assert first["items"] == [{"sku": "RETRO-CLOCK", "name": "Retro alarm clock", "quantity": 1}]
    assert second["items"] == [{"sku": "OAT-MILK-1L", "name": "Oat milk 1 l", "quantity": 2}]
    assert first["cash_to_collect"] == {"amount_minor": 2490 + 350, "currency": "EUR"}
    assert pickup["items"] == [] and pickup["cash_to_collect"] is None
    assert pickup["collect"] == [{"sku": "RETRO-CLOCK", "name": "Retro alarm clock",
                                  "quantity": 1}]
    assert pickup["return_id"] == route["return"] and pickup["customer"]["name"] == "Marie"
    assert first["address_text"] == "Place du Casino, Monaco"


def test_staff_read_routes_with_full_names_and_filters(client, world, route):
    r = client.get(f"/routes/{route['id']}", headers=world.auth("dispatcher"))
    assert r.status_code == 200 and r.headers["ETag"] == f'"{r.json()["version"]}"'
    assert r.json()["stops"][0]["customer"]["name"] == "Marie Curie"
    ana, bruno = world.drivers["ana"], world.drivers["bruno"]
    for query, expected in ((f"?driver_id={ana}", [route["id"]]), (f"?driver_id={bruno}", []),
                            ("?status=active", [route["id"]]), ("?status=completed", [])):
        page = client.get(f"/routes{query}", headers=world.auth("admin")).json()
        assert [item["id"] for item in page["items"]] == expected, query
    problem(client.get("/routes?status=NOT%20A%20STATUS", headers=world.auth("admin")), 422,
            "status[0]")


def test_a_driver_without_a_route_gets_404(client, world, route):
    problem(client.get("/drivers/me/route", headers=world.auth("other_driver")), 404)
    problem(client.post("/drivers/me/route/depart", headers=world.auth("other_driver")), 404)


# --- Departure -------------------------------------------------------------------------------


def test_depart_sends_every_planned_order_out_once(client, world, database, route):
    r = client.post("/drivers/me/route/depart", headers=world.auth("driver"))
    assert r.status_code == 200, r.text
    assert r.json()["departed_at"] is not None
    for order_id in route["orders"]:
        order = client.get(f"/orders/{order_id}", headers=world.auth("driver")).json()
        assert order["status"] == "out_for_delivery"
    def departures() -> list[int]:
        out = outbox(database, "order.out_for_delivery")
        return sorted(p["order_id"] for p in out if p["order_id"] in route["orders"])

    assert departures() == sorted(route["orders"])
    problem(client.post("/drivers/me/route/depart", headers=world.auth("driver")), 409, "route")
    assert departures() == sorted(route["orders"])


def test_arrival_departs_implicitly_and_measures_the_eta_error(client, world, database):
    start = datetime.now(UTC) - timedelta(minutes=30)
    order_id = ready_order(database, world)
    route_id = publish_route(database, world, "ana", [order_id], start=start)
    (stop_id,) = stop_ids(database, route_id)
    at = start + timedelta(minutes=14)  # the stop's ETA is start + 10 min
    r = event(client, world, stop_id, "arrived", {"at": at.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["stop"]["status"] == "arrived" and r.json()["route_status"] == "active"
    order = client.get(f"/orders/{order_id}", headers=world.auth("driver")).json()
    assert order["status"] == "out_for_delivery"
    with database.uow() as uow:
        stop = uow.db.get(RouteStop, stop_id)
        route = uow.db.get(DriverRoute, route_id)
        assert stop.eta_error_seconds == pytest.approx(240.0)
        assert stop.eta_lead_seconds == pytest.approx((at - route.created_at).total_seconds())
        assert route.departed_at == at
    [payload] = outbox(database, "stop.arrived")
    assert payload["stop_id"] == stop_id and payload["route_id"] == route_id
    assert payload["order_id"] == order_id and payload["driver_id"] == world.drivers["ana"]


# --- Completion ------------------------------------------------------------------------------


def test_completing_a_delivery_ships_stock_captures_payment_and_records_proof(
        client, world, database, route):
    # 10 on hand, less the unit delivered before its return; one reserved for stop 1.
    assert level(client, world) == (9, 1)
    stop_id, order_id = route["stops"][0], route["orders"][0]
    assert event(client, world, stop_id, "arrived").status_code == 200
    r = event(client, world, stop_id, "completed", {"recipient_name": "Marie", "note": "door"})
    assert r.status_code == 200, r.text
    assert r.json()["stop"]["status"] == "completed" and r.json()["event"]["kind"] == "completed"
    assert level(client, world) == (8, 0)
    order = client.get(f"/orders/{order_id}", headers=world.auth("admin")).json()
    assert order["status"] == "delivered" and order["delivery_attempts"] == 1
    assert order["payment"]["status"] == "captured"
    assert order["payment"]["captured_minor"] == order["total_minor"]
    proof = client.get(f"/stops/{stop_id}/proof", headers=world.auth("operator")).json()
    assert (proof["recipient_name"], proof["sha256"], proof["flagged_far"]) == (
        "Marie", None, False)
    [payload] = outbox(database, "stop.completed")
    assert (payload["stop_id"], payload["order_id"], payload["flagged_far"]) == (
        stop_id, order_id, False)
    assert [p["order_id"] for p in outbox(database, "order.delivered")][-1] == order_id
    # Repeats: completing again, or arriving after completion, is a conflict.
    again = event(client, world, stop_id, "completed", {"recipient_name": "Marie"})
    assert problem(again, 409)["type"].endswith("illegal_transition")
    problem(event(client, world, stop_id, "arrived"), 409)
    problem(event(client, world, stop_id, "failed", {"reason": "refused"}), 409)
    assert level(client, world) == (8, 0)


def test_a_repeat_with_the_same_idempotency_key_replays_the_first_answer(client, world, route):
    stop_id = route["stops"][0]
    first = event(client, world, stop_id, "completed", {"recipient_name": "Marie"},
                  **{"Idempotency-Key": "done-1"})
    again = event(client, world, stop_id, "completed", {"recipient_name": "Marie"},
                  **{"Idempotency-Key": "done-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert level(client, world) == (8, 0)


def test_completing_a_pickup_picks_up_the_return(client, world, database, route):
    stop_id = route["stops"][2]
    r = event(client, world, stop_id, "completed", {})
    assert r.status_code == 200, r.text
    ret = client.get(f"/returns/{route['return']}", headers=world.auth("operator")).json()
    assert ret["status"] == "picked_up"
    [payload] = outbox(database, "stop.completed")
    assert payload["return_id"] == route["return"] and payload["kind"] == "pickup"
    assert [p["return_id"] for p in outbox(database, "return.picked_up")] == [route["return"]]


def test_the_route_completes_with_its_last_stop(client, world, route):
    first, second, pickup = route["stops"]
    assert event(client, world, first, "completed",
                 {"recipient_name": "Marie"}).json()["route_status"] == "active"
    assert event(client, world, second, "failed",
                 {"reason": "not_home"}).json()["route_status"] == "active"
    r = event(client, world, pickup, "completed", {})
    assert r.json()["route_status"] == "completed"
    route_read = client.get(f"/routes/{route['id']}", headers=world.auth("dispatcher")).json()
    assert route_read["status"] == "completed"
    problem(client.get("/drivers/me/route", headers=world.auth("driver")), 404)


# --- Failure ---------------------------------------------------------------------------------


def test_a_failed_delivery_puts_the_order_back_to_ready(client, world, database, route):
    stop_id, order_id = route["stops"][0], route["orders"][0]
    r = event(client, world, stop_id, "failed", {"reason": "access_denied", "note": "gate"})
    assert r.status_code == 200, r.text
    assert r.json()["stop"]["failure_reason"] == "access_denied"
    order = client.get(f"/orders/{order_id}", headers=world.auth("admin")).json()
    assert (order["status"], order["delivery_attempts"], order["failure_reason"],
            order["driver_id"]) == ("ready", 1, "access_denied", None)
    assert order["payment"]["status"] == "authorised"
    assert level(client, world) == (9, 1)  # still reserved for the next attempt
    assert [p["order_id"] for p in outbox(database, "order.failed")] == [order_id]
    [payload] = outbox(database, "stop.failed")
    assert payload["reason"] == "access_denied" and payload["order_id"] == order_id


def test_a_failed_pickup_leaves_the_return_approved_without_driver(client, world, route):
    r = event(client, world, route["stops"][2], "failed", {"reason": "not_home"})
    assert r.status_code == 200, r.text
    ret = client.get(f"/returns/{route['return']}", headers=world.auth("operator")).json()
    assert (ret["status"], ret["driver_id"]) == ("approved", None)


# --- Rejections ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("failed", {"reason": "no_access"}, "reason"),
    ("failed", {}, "reason"),
    ("completed", {}, "recipient_name"),
    ("completed", {"recipient_name": ""}, "recipient_name"),
    ("arrived", {"at": "FUTURE"}, "at"),
    ("arrived", {"at": "BEFORE_START"}, "at"),
    ("arrived", {"at": "2026-01-01T10:00:00"}, "at"),
    ("arrived", {"lat": 43.7}, "lon"),
    ("arrived", {"lat": 91, "lon": 7.4}, "lat"),
    ("completed", {"recipient_name": "M", "surprise": 1}, "surprise"),
])
def test_bad_events_are_422_naming_the_field_and_change_nothing(client, world, database, route,
                                                                kind, body, field):
    times = {"FUTURE": datetime.now(UTC) + timedelta(minutes=5),
             "BEFORE_START": datetime.now(UTC) - timedelta(hours=3)}
    if body.get("at") in times:
        body = {**body, "at": times[body["at"]].isoformat()}
    problem(event(client, world, route["stops"][0], kind, body), 422, field)
    r = client.get("/drivers/me/route", headers=world.auth("driver")).json()
    assert r["departed_at"] is None and r["stops"][0]["status"] == "pending"
    assert outbox(database, f"stop.{kind}") == []


@pytest.mark.parametrize(("kind", "body"), [
    ("arrived", None), ("completed", {"recipient_name": "M"}), ("failed", {"reason": "other"})])
def test_another_drivers_stop_is_404_and_untouched(client, world, database, route, kind, body):
    problem(event(client, world, route["stops"][0], kind, body, who="other_driver"), 404,
            "stop_id")
    problem(event(client, world, 7_654_321, kind, body), 404, "stop_id")
    put = client.put(f"/drivers/me/stops/{route['stops'][0]}/proof", content=PNG,
                     headers={**world.auth("other_driver"), "Content-Type": "image/png"})
    problem(put, 404, "stop_id")
    assert client.get("/drivers/me/route", headers=world.auth("driver")).json()[
        "stops"][0]["status"] == "pending"


def test_a_completion_far_from_the_stop_is_accepted_but_flagged(client, world, route):
    stop_id = route["stops"][0]
    r = event(client, world, stop_id, "completed",
              {"recipient_name": "Marie", "lat": NICE[0], "lon": NICE[1]})
    assert r.status_code == 200, r.text
    assert r.json()["event"]["flagged_far"] is True
    assert r.json()["event"]["distance_from_stop_m"] > 10_000
    staff = client.get(f"/routes/{route['id']}", headers=world.auth("dispatcher")).json()
    assert [s["flagged_far"] for s in staff["stops"]] == [True, False, False]
    proof = client.get(f"/stops/{stop_id}/proof", headers=world.auth("dispatcher")).json()
    assert proof["flagged_far"] is True


def test_without_coordinates_the_last_recent_position_is_used(client, world, route):
    stop = client.get("/drivers/me/route", headers=world.auth("driver")).json()["stops"][0]
    ping = {"lat": stop["lat"] + 0.0005, "lon": stop["lon"],
            "timestamp": datetime.now(UTC).isoformat()}
    assert client.post("/drivers/me/location", json=ping,
                       headers=world.auth("driver")).status_code == 200
    r = event(client, world, stop["id"], "arrived")
    distance = r.json()["event"]["distance_from_stop_m"]
    assert 50 < distance < 60 and r.json()["event"]["flagged_far"] is False


# --- Proofs ----------------------------------------------------------------------------------


def upload(client, world, stop_id, content, media="image/png", who="driver"):
    return client.put(f"/drivers/me/stops/{stop_id}/proof", content=content,
                      headers={**world.auth(who), "Content-Type": media})


def test_proof_upload_is_idempotent_by_content_and_served_back(client, world, route):
    stop_id = route["stops"][0]
    problem(upload(client, world, stop_id, PNG), 409, "stop_id")  # not completed yet
    event(client, world, stop_id, "completed", {"recipient_name": "Marie"})
    first = upload(client, world, stop_id, PNG)
    assert first.status_code == 200, first.text
    again = upload(client, world, stop_id, PNG)
    assert again.status_code == 200 and again.json() == first.json()
    problem(upload(client, world, stop_id, JPEG, "image/jpeg"), 409, "body")
    proof = client.get(f"/stops/{stop_id}/proof", headers=world.auth("operator")).json()
    import hashlib
    assert (proof["media_type"], proof["sha256"], proof["size_bytes"]) == (
        "image/png", hashlib.sha256(PNG).hexdigest(), len(PNG))
    content = client.get(f"/stops/{stop_id}/proof/content", headers=world.auth("admin"))
    assert content.status_code == 200 and content.content == PNG
    assert content.headers["content-type"] == "image/png"
    assert content.headers["x-content-type-options"] == "nosniff"


def test_no_proof_content_before_an_upload(client, world, route):
    stop_id = route["stops"][0]
    problem(client.get(f"/stops/{stop_id}/proof", headers=world.auth("admin")), 404, "stop_id")
    event(client, world, stop_id, "completed", {"recipient_name": "Marie"})
    problem(client.get(f"/stops/{stop_id}/proof/content", headers=world.auth("admin")), 404,
            "stop_id")


@pytest.mark.parametrize(("content", "media"), [
    (PNG, "image/gif"), (PNG, "application/json"), (JPEG, "image/png"), (b"<svg/>", "image/webp"),
])
def test_proof_that_is_not_what_it_claims_is_415(client, world, route, content, media):
    stop_id = route["stops"][0]
    event(client, world, stop_id, "completed", {"recipient_name": "Marie"})
    problem(upload(client, world, stop_id, content, media), 415)
    assert client.get(f"/stops/{stop_id}/proof", headers=world.auth("admin")).json()[
        "sha256"] is None


def test_proofs_get_their_own_size_cap(settings, database, world, route):
    """Above the 64 KiB JSON cap is fine for a proof; above ``proof_max_bytes`` is 413,
    and other endpoints keep the small cap."""
    capped = settings.model_copy(update={"proof_max_bytes": 100 * 1024})
    with TestClient(create_app(capped, database), raise_server_exceptions=False) as client:
        stop_id = route["stops"][0]
        event(client, world, stop_id, "completed", {"recipient_name": "Marie"})
        problem(upload(client, world, stop_id, PNG + b"\x00" * 101 * 1024), 413, "body")
        big = PNG + b"\x00" * 80 * 1024
        assert upload(client, world, stop_id, big).status_code == 200
        padded = {"recipient_name": "M", "note": "x" * 80 * 1024}
        problem(event(client, world, route["stops"][1], "completed", padded), 413)
    with database.uow() as uow:
        kinds = uow.db.scalars(select(StopEvent.kind).order_by(StopEvent.id)).all()
    assert kinds == ["completed"]
