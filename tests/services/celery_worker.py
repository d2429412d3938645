"""A real Celery worker process for tests, on the test database and a private Redis.

One worker serves the whole session in one environment (docs/testing.md): it loads every
test plugin (`write_plugin_site`), has no allow-list from settings, and reads the allow-list staff
keep in the app for every run (CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS=0). A test that
needs its local servers admitted adds an entry (`loopback_allowed`), as staff would; a test
that checks a refusal adds none. Each start costs seconds, so `ensure` restarts it only for a
setting that truly lives in the process (a document store, an emulator's endpoint).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from connectorhub.localredis import die_with_parent

BASE_DIR = Path(__file__).resolve().parents[2]

# The test connectors the worker loads as plugins, by an entry point each as any plugin:
# distribution name -> entry point line of the group `connectorhub.connectors`.
TEST_PLUGINS = {
    "connectorhub-runs-tests": "runs-tests = tests.runs.connectors:ALL",
    "connectorhub-network-tests": "network-tests = tests.network.connectors:ALL",
}
# Django backend (a part of its ENGINE) -> the DATABASE_URL scheme dj-database-url reads
SERVER_SCHEMES = {"postgresql": "postgres", "mysql": "mysql"}
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
# the worker's settings for the whole session (None: the variable absent)
SESSION_ENV: dict[str, str | None] = {
    "CONNECTORHUB_EGRESS_ALLOW": None,
    # the next run sees an entry a test adds or removes, with no wait (production: 3 s)
    "CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS": "0",
}


def write_plugin_site(site: Path) -> Path:
    """SITE with an installed-distribution record for each of TEST_PLUGINS."""
    for name, entry_point in TEST_PLUGINS.items():
        info = site / f"{name.replace('-', '_')}-1.0.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[connectorhub.connectors]\n{entry_point}\n")
    return site


def python_path(site: Path) -> str:
    """SITE ahead of the PYTHONPATH the tests run with (e.g. sdk/src)."""
    return os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))


@contextmanager
def loopback_allowed(note: str = "local servers under test") -> Iterator[None]:
    """An allow-list entry for 127.0.0.1, as staff would add it, for a test that runs in a
    transaction=True test (the worker reads the shared database); gone after, in this process's
    cache too."""
    # the models once Django is set up: tests/conftest.py imports this module before
    from connectors.models import EgressAllowEntry
    from connectors.network import allowlist

    entry = EgressAllowEntry.objects.create(pattern="127.0.0.1", note=note)
    allowlist.forget_stored_patterns()
    try:
        yield
    finally:
        EgressAllowEntry.objects.filter(pk=entry.pk).delete()
        allowlist.forget_stored_patterns()


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL that points a separate process at the test database."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    scheme = next((s for key, s in SERVER_SCHEMES.items() if key in engine), None)
    if scheme is None:
        raise RuntimeError(f"No DATABASE_URL form for {engine}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or DEFAULT_PORTS[scheme]
    return f"{scheme}://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class CeleryWorkerProcess:
    """`celery worker` as a child process; ready once it answers a broadcast ping."""

    def __init__(self, env: dict[str, str | None], log_path: Path, concurrency: int = 2) -> None:
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
        log.write(f"--- start {self.starts} of this session's worker\n".encode())
        log.flush()
        absent = {name for name, value in self.env.items() if value is None}
        env = {k: v for k, v in {**os.environ, **self.env}.items() if k not in absent}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "connectorhub", "worker",
             "--loglevel", "INFO", "--concurrency", str(self.concurrency),
             "--hostname", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
            env=env,  # type: ignore[arg-type]
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
            # limit=1: back with the first answer instead of waiting out the timeout
            if app.control.ping(timeout=0.5, limit=1):
                return
        self.stop()
        raise RuntimeError(f"Celery worker did not answer within {timeout}s; see {self.log_path}")

    def ensure(self, app: Any, **env: str | None) -> None:
        """Restart the worker unless its environment already has ENV (None: the variable
        absent). Only for settings the worker reads at start-up and no run can carry: each
        restart costs seconds (the log counts them)."""
        if all(self.env.get(name) == value for name, value in env.items()):
            return
        self.stop()
        self.env.update(env)
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
