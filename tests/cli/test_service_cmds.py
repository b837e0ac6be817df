"""Service commands as a user runs them: migrate, create users, seed the demo."""

import os
import sqlite3
import subprocess
import sys

import pytest


def dispatch(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "dispatch", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def clean_env(monkeypatch):
    """The commands read DISPATCH_DATABASE_URL; tests use the default SQLite file."""
    return {"DISPATCH_DATABASE_URL": "sqlite:///./dispatch.db"}


def test_db_upgrade_creates_the_sqlite_file(tmp_path, clean_env):
    """`dispatch db upgrade` on a fresh directory migrates ./dispatch.db to head."""
    result = dispatch("db", "upgrade", cwd=tmp_path, env=clean_env)
    assert result.returncode == 0, result.stderr
    assert "revision 0009" in result.stdout
    tables = {r[0] for r in sqlite3.connect(tmp_path / "dispatch.db").execute(
        "select name from sqlite_master where type='table'")}
    assert {"orders", "stock_movements", "users"} <= tables


def test_users_create_prints_a_working_token(tmp_path, clean_env):
    """The printed token is stored only as its SHA-256 hash."""
    import hashlib

    result = dispatch("users", "create", "--role", "dispatcher", "--name", "Zoé", cwd=tmp_path,
                      env=clean_env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("dsp_")
    rows = sqlite3.connect(tmp_path / "dispatch.db").execute(
        "select name, role, token_hash from users").fetchall()
    assert rows == [("Zoé", "dispatcher", hashlib.sha256(token.encode()).hexdigest())]


def test_driver_user_without_driver_is_a_one_line_error(tmp_path, clean_env):
    """A driver token must be bound to a driver: one line on stderr, exit 2."""
    result = dispatch("users", "create", "--role", "driver", cwd=tmp_path, env=clean_env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "driver" in result.stderr and "Traceback" not in result.stderr


def test_unknown_role_is_refused(tmp_path, clean_env):
    """An unknown role is refused by the option parser with a non-zero exit."""
    result = dispatch("users", "create", "--role", "customer", cwd=tmp_path, env=clean_env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_demo_seeds_the_restaurant_lunch(tmp_path, clean_env):
    """`dispatch demo --no-serve --orders 12` seeds the restaurant-lunch scenario with a
    lunch in progress and prints tokens, the page and a curl per role; a rerun keeps the
    data and revokes the first run's tokens."""
    result = dispatch("demo", "--no-serve", "--orders", "12", cwd=tmp_path, env=clean_env)
    assert result.returncode == 0, result.stderr
    assert ("seeded restaurant-lunch: 12 orders placed (3 on the road, 3 ready for a wave, "
            "6 being prepared)") in result.stdout
    assert result.stdout.count("dsp_") >= 9 + 4  # the table, then the curls
    assert "http://127.0.0.1:8000/ " in result.stdout
    for path in ("/waves", "/stock", "/users", "/drivers/me/route"):
        assert f"http://127.0.0.1:8000{path}" in result.stdout
    assert "/track/" in result.stdout and "/page" in result.stdout
    db = sqlite3.connect(tmp_path / "dispatch.db")
    states = dict(db.execute("select status, count(*) from orders group by status").fetchall())
    assert states == {"planned": 3, "ready": 3, "confirmed": 6}
    assert db.execute("select name from warehouses").fetchall() == [("Cuisine du Port",)]
    assert db.execute("select count(*) from driver_shifts").fetchone()[0] == 6
    again = dispatch("demo", "--no-serve", cwd=tmp_path, env=clean_env)
    assert "existing demo data kept (0 driver shifts added" in again.stdout
    assert db.execute("select count(*) from orders").fetchone()[0] == 12
    assert db.execute("select count(*) from driver_shifts").fetchone()[0] == 6  # still on
    active = db.execute("select count(*) from users where active").fetchone()[0]
    assert active == 3 + 6  # staff and drivers; the first run's tokens were revoked


def test_demo_with_a_missing_scenario_is_a_one_line_error(tmp_path, clean_env):
    """A scenario that cannot be read is one line on stderr, exit 2, nothing seeded."""
    result = dispatch("demo", "--no-serve", "--scenario", "nowhere.yaml", cwd=tmp_path,
                      env=clean_env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "nowhere.yaml" in result.stderr
    assert not (tmp_path / "dispatch.db").exists()


def test_a_worker_without_a_broker_is_a_one_line_error(tmp_path, clean_env):
    result = dispatch("worker", cwd=tmp_path, env={**clean_env, "DISPATCH_BROKER_URL": ""})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "DISPATCH_BROKER_URL is not set" in result.stderr


def test_the_relay_stops_cleanly_on_sigterm(tmp_path, clean_env):
    """What a container runtime sends: the relay finishes its pass and exits 0."""
    import signal
    import time

    assert dispatch("db", "upgrade", cwd=tmp_path, env=clean_env).returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "dispatch", "relay"], cwd=tmp_path,
                               env={**os.environ, **clean_env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        line = process.stdout.readline()  # printed once it is relaying
        assert "relaying from" in line, process.stderr.read()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "relay stopped" in out and "Traceback" not in err
