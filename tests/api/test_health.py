"""Liveness and readiness probes: no token, and readiness really asks the database."""

from sqlalchemy import create_engine

from dispatch import __version__
from dispatch.db.database import Database


def test_liveness_answers_without_a_token(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_readiness_reaches_the_database(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readiness_is_503_when_the_database_is_unreachable(settings, tmp_path):
    """An app bound to a database file in a directory that does not exist."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    unreachable = Database(create_engine(f"sqlite:///{tmp_path}/missing/dir/dispatch.db"))
    with TestClient(create_app(settings, unreachable), raise_server_exceptions=False) as c:
        response = c.get("/health/ready")
        assert c.get("/health").status_code == 200
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
