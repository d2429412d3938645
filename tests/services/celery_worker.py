"""A real Celery worker process for tests, on the test database and a private Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from connectorhub.localredis import die_with_parent

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL that points a separate process at the test database."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if "postgresql" in engine:
        user = settings_dict.get("USER") or ""
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise RuntimeError(f"No DATABASE_URL form for {engine}")


class CeleryWorkerProcess:
    """`celery worker` as a child process; ready once it answers a broadcast ping."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 2) -> None:
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, app: Any, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # a restart appends: the log keeps what the worker did for the modules before
        log = self.log_path.open("ab" if self.starts else "wb")
        self.starts += 1
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "connectorhub", "worker",
             "--loglevel", "INFO", "--concurrency", str(self.concurrency),
             "--hostname", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
            env={**os.environ, **self.env},
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),  # gone with the test session
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited; see {self.log_path}")
            if app.control.ping(timeout=0.5):
                return
        self.stop()
        raise RuntimeError(f"Celery worker did not answer within {timeout}s; see {self.log_path}")

    def ensure(self, app: Any, **env: str | None) -> None:
        """Restart the worker unless its environment already has ENV (None: the variable
        absent). Test modules share one worker per session and each asks for what it needs,
        so a module never inherits another module's plugins or egress settings."""
        if all(self.env.get(name) == value for name, value in env.items()):
            return
        self.stop()
        for name, value in env.items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self.start(app)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
