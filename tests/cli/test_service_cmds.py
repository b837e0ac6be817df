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
    assert "revision 0005" in result.stdout
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


def test_demo_seeds_orders_in_several_states(tmp_path, clean_env):
    """`dispatch demo --no-serve` seeds 12 orders, prints tokens; a rerun keeps the data."""
    result = dispatch("demo", "--no-serve", "--orders", "12", cwd=tmp_path, env=clean_env)
    assert result.returncode == 0, result.stderr
    assert "seeded 12 orders" in result.stdout
    assert result.stdout.count("dsp_") >= 4
    db = sqlite3.connect(tmp_path / "dispatch.db")
    states = dict(db.execute("select status, count(*) from orders group by status").fetchall())
    assert states == {"confirmed": 3, "ready": 9}
    assert db.execute("select count(*) from driver_shifts").fetchone()[0] == 6
    assert "/track/" in result.stdout and "/page" in result.stdout
    again = dispatch("demo", "--no-serve", cwd=tmp_path, env=clean_env)
    assert "existing demo data kept" in again.stdout
    assert db.execute("select count(*) from orders").fetchone()[0] == 12
    assert db.execute("select count(*) from driver_shifts").fetchone()[0] == 6  # still on
    active = db.execute("select count(*) from users where active").fetchone()[0]
    assert active == 4  # the first run's demo tokens were revoked
