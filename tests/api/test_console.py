"""The dispatcher page and its files: served from the package, with a policy that lets
the page talk to this server only (and the tile server, when one is configured)."""

from __future__ import annotations

import re

from dispatch.settings import Settings


def test_the_page_loads_only_from_this_server(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin: no tiles unless configured
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(s.startswith("/static/") or s == "data:," for s in sources)


def test_static_files_come_from_the_package(client):
    for name, kind in (("leaflet.js", "javascript"), ("leaflet.css", "css"),
                       ("dispatcher.js", "javascript"), ("dispatcher.css", "css")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert "://" not in response.text.replace(r":\/\/", "")  # nothing to fetch elsewhere
    missing = client.get("/static/../settings.py")
    assert missing.status_code == 404
    unknown = client.get("/static/jquery.js")
    assert unknown.status_code == 404 and unknown.json()["field"] == "name"


def test_a_configured_tile_server_is_allowed_and_handed_to_the_page(database, world):
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = Settings(map_tile_url="http://127.0.0.1:8080/{z}/{x}/{y}.png",
                        relay_enabled=False, wave_scheduler_enabled=False,
                        migrate_on_start=False)
    with TestClient(create_app(settings, database)) as c:
        response = c.get("/")
    assert "img-src 'self' data: http://127.0.0.1:8080" in response.headers[
        "content-security-policy"]
    assert 'data-tile-url="http://127.0.0.1:8080/{z}/{x}/{y}.png"' in response.text


def test_the_snapshot_is_for_dispatchers(client, world):
    assert client.get("/console/snapshot", headers=world.auth("driver")).status_code == 403
    response = client.get("/console/snapshot", headers=world.auth("dispatcher"))
    assert response.status_code == 200
    assert {w["code"] for w in response.json()["warehouses"]} == set(world.warehouses)
