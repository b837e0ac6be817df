"""Real Celery workers on the local Redis, as separate processes (``dispatch worker``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parents[2]
QUEUE_KEYS = ("dispatch", "unacked", "unacked_index", "unacked_mutex")


def redis_unavailable_reason() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} unreachable ({type(exc).__name__}); see DEVELOPERS.md"
    return None


@pytest.fixture
def broker_url() -> Iterator[str]:
    """The test Redis, its planning queue emptied before and after."""
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*QUEUE_KEYS)
    yield REDIS_URL
    client.delete(*QUEUE_KEYS)


class Worker:
    """A ``dispatch worker`` process (and its pool) in a session of its own."""

    def __init__(self, database_url: str, broker: str, log_path: Path, *,
                 concurrency: int = 1, extra_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "DISPATCH_DATABASE_URL": database_url,
               "DISPATCH_BROKER_URL": broker,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                          os.environ.get("PYTHONPATH")])),
               **(extra_env or {})}
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dispatch", "worker", "--concurrency", str(concurrency)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.wait_for("ready.", 60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.log():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n"
                                   + self.log()[-4000:])
            assert time.monotonic() < deadline, f"worker: no {text!r}:\n{self.log()[-4000:]}"
            time.sleep(0.1)

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path) -> Iterator[list[Worker]]:
    """Workers a test starts (append), all killed at the end."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()
