"""Driver shifts over HTTP: adding, listing, cancelling, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.problems import PROBLEM_JSON

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
H = timedelta(hours=1)


def _body(start: datetime, end: datetime) -> dict:
    return {"starts_at": start.isoformat(), "ends_at": end.isoformat()}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return response.json()


def _add(client, world, start, end, driver="ana"):
    return client.post(f"/drivers/{world.drivers[driver]}/shifts", json=_body(start, end),
                       headers=world.auth("dispatcher"))


def test_add_list_and_cancel_a_shift(client, world):
    r = _add(client, world, T0, T0 + 8 * H)
    assert r.status_code == 201, r.text
    shift = r.json()
    ana = world.drivers["ana"]
    assert shift["driver_id"] == ana and not shift["cancelled"] and shift["version"] == 1
    assert datetime.fromisoformat(shift["starts_at"]) == T0
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/drivers/{ana}/shifts/{shift['id']}"
    page = client.get(f"/drivers/{ana}/shifts", headers=world.auth("admin")).json()
    assert [s["id"] for s in page["items"]] == [shift["id"]]
    r = client.post(f"/drivers/{ana}/shifts/{shift['id']}/cancel",
                    headers={**world.auth("dispatcher"), "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["cancelled"] and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    again = client.post(f"/drivers/{ana}/shifts/{shift['id']}/cancel",
                        headers=world.auth("dispatcher"))
    assert _problem(again, 409)["field"] == "shift_id"


def test_overlap_is_409_naming_the_other_shift_but_touching_and_cancelled_are_fine(client, world):
    first = _add(client, world, T0, T0 + 8 * H).json()
    clash = _problem(_add(client, world, T0 + 7 * H, T0 + 10 * H), 409)
    assert clash["overlapping_shift_id"] == first["id"] and clash["field"] == "starts_at"
    inside = _problem(_add(client, world, T0 + H, T0 + 2 * H), 409)
    assert inside["overlapping_shift_id"] == first["id"]
    assert _add(client, world, T0 + 8 * H, T0 + 12 * H).status_code == 201  # touching
    assert _add(client, world, T0, T0 + 8 * H, driver="bruno").status_code == 201  # other driver
    client.post(f"/drivers/{world.drivers['ana']}/shifts/{first['id']}/cancel",
                headers=world.auth("dispatcher"))
    assert _add(client, world, T0 + 2 * H, T0 + 6 * H).status_code == 201


def test_bad_times_are_422_naming_the_field(client, world):
    ana = world.drivers["ana"]
    for start, end, field in ((T0, T0, "ends_at"), (T0, T0 - H, "ends_at"),
                              (T0, T0 + 16 * H + timedelta(seconds=1), "ends_at")):
        assert _problem(_add(client, world, start, end), 422)["field"] == field
    naive = {"starts_at": "2030-01-01T08:00:00", "ends_at": "2030-01-01T16:00:00+00:00"}
    r = client.post(f"/drivers/{ana}/shifts", json=naive, headers=world.auth("dispatcher"))
    assert _problem(r, 422)["field"] == "starts_at"
    extra = {**_body(T0, T0 + H), "cancelled": True}
    r = client.post(f"/drivers/{ana}/shifts", json=extra, headers=world.auth("dispatcher"))
    assert _problem(r, 422)["field"] == "cancelled"
    assert _add(client, world, T0, T0 + 16 * H).status_code == 201  # exactly 16 h is allowed


def test_list_filters_by_period_and_pages(client, world):
    ana = world.drivers["ana"]
    ids = [_add(client, world, T0 + i * 10 * H, T0 + (i * 10 + 8) * H).json()["id"]
           for i in range(3)]
    headers = world.auth("dispatcher")
    window = {"from": (T0 + 9 * H).isoformat(), "to": (T0 + 21 * H).isoformat()}
    r = client.get(f"/drivers/{ana}/shifts", params=window, headers=headers)
    assert [s["id"] for s in r.json()["items"]] == ids[1:]
    first = client.get(f"/drivers/{ana}/shifts", params={"limit": 2}, headers=headers).json()
    assert [s["id"] for s in first["items"]] == ids[:2] and first["next_cursor"]
    rest = client.get(f"/drivers/{ana}/shifts",
                      params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers).json()
    assert [s["id"] for s in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    naive = client.get(f"/drivers/{ana}/shifts", params={"from": "2030-01-01T00:00:00"},
                       headers=headers)
    assert _problem(naive, 422)["field"] == "from"


def test_unknown_driver_or_someone_elses_shift_is_404(client, world):
    shift = _add(client, world, T0, T0 + H).json()
    headers = world.auth("dispatcher")
    assert _problem(client.post("/drivers/7654321/shifts", json=_body(T0, T0 + H),
                                headers=headers), 404)["field"] == "driver_id"
    assert _problem(client.get("/drivers/7654321/shifts", headers=headers), 404)["field"] == (
        "driver_id")
    bruno = world.drivers["bruno"]
    r = client.post(f"/drivers/{bruno}/shifts/{shift['id']}/cancel", headers=headers)
    assert _problem(r, 404)["field"] == "shift_id"
    stale = client.post(f"/drivers/{world.drivers['ana']}/shifts/{shift['id']}/cancel",
                        headers={**headers, "If-Match": '"9"'})
    assert _problem(stale, 412)["field"] == "If-Match"
