"""GET /analytics/replenishment: who may read it, what it answers, bad parameters."""

from __future__ import annotations


def test_dispatchers_read_what_to_reorder(client, world):
    response = client.get("/analytics/replenishment", params={"lead_days": 3},
                          headers=world.auth("dispatcher"))
    assert response.status_code == 200
    body = response.json()
    assert body["policy"] == {"service_level": 0.95, "lead_days": 3.0, "review_days": 7.0,
                              "history_days": 182}
    assert len(body["items"]) == 6 and {i["model"] for i in body["items"]} == {"mean"}


def test_drivers_may_not(client, world):
    assert client.get("/analytics/replenishment",
                      headers=world.auth("driver")).status_code == 403


def test_a_service_level_out_of_range_names_the_field(client, world):
    response = client.get("/analytics/replenishment", params={"service_level": 1.5},
                          headers=world.auth("dispatcher"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "service_level" in response.text


def test_operators_apply_the_points_and_dispatchers_may_not(client, world):
    body = {"warehouse_id": world.warehouses["MC"], "lead_days": 1}
    assert client.post("/analytics/replenishment/apply", json=body,
                       headers=world.auth("dispatcher")).status_code == 403
    response = client.post("/analytics/replenishment/apply", json=body,
                           headers=world.auth("operator"))
    assert response.status_code == 200
    assert {i["warehouse_id"] for i in response.json()["items"]} == {world.warehouses["MC"]}


def test_an_unknown_field_in_the_apply_body_is_named(client, world):
    response = client.post("/analytics/replenishment/apply", json={"lead_time": 3},
                           headers=world.auth("operator"))
    assert response.status_code == 422 and "lead_time" in response.text


def test_the_customer_report(client, world):
    response = client.get("/analytics/customers", headers=world.auth("operator"))
    assert response.status_code == 200
    assert set(response.json()) == {"customers", "repeat_purchase_rate", "segments", "cohorts"}
    bad = client.get("/analytics/customers", params={"months": 0},
                     headers=world.auth("operator"))
    assert bad.status_code == 422 and "months" in bad.text


def test_the_kpis_of_a_period_by_day(client, world):
    response = client.get("/analytics/kpis", params={"from": "2026-11-02", "to": "2026-11-03",
                                                     "group_by": "day"},
                          headers=world.auth("dispatcher"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["group_by"], body["currency"]) == (
        "2026-11-02", "2026-11-03", "day", "EUR")
    assert body["overall"]["orders"] == 0 and body["overall"]["on_time_rate"] is None
    assert [b["lead"] for b in body["overall"]["eta_by_lead"]] == [
        "0-15", "15-30", "30-60", "60-120", "120+"]
    assert body["groups"] == []


def test_kpi_parameters_are_checked_and_named(client, world):
    def problem(params: dict) -> str:
        response = client.get("/analytics/kpis", params=params,
                              headers=world.auth("operator"))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.text

    assert "from" in problem({"to": "2026-11-03"})
    assert "group_by" in problem({"from": "2026-11-02", "to": "2026-11-03", "group_by": "sku"})
    assert '"to"' in problem({"from": "2026-11-03", "to": "2026-11-02"})
    assert "zone_precision" in problem({"from": "2026-11-02", "to": "2026-11-02",
                                        "zone_precision": 12})
    assert client.get("/analytics/kpis", params={"from": "2026-11-02", "to": "2026-11-02"},
                      headers=world.auth("driver")).status_code == 403


def test_a_period_outside_the_days_a_service_can_have_recorded_is_refused(client, world):
    response = client.get("/analytics/time-lost", params={"from": "0001-01-01",
                                                          "to": "0002-01-01"},
                          headers=world.auth("dispatcher"))
    assert response.status_code == 422 and "from" in response.text
