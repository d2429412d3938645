"""Dry-run fixtures: the test connectors in the catalogue and in the real Celery worker, a local
HTTP server for them to call, and helpers to wait for a run.

The worker process finds the test connectors the way it finds any plugin: an entry point in
the group `connectorhub.connectors`, from a hand-written distribution on its PYTHONPATH
(tests/services/celery_worker.py writes it, with the network tests' one, for the session).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.registry import Registry, load_registry
from tests.runs.connectors import ALL


@pytest.fixture(scope="module")
def runs_worker(celery_worker: Any) -> Any:
    """The session's Celery worker, which loads the test connectors as a plugin
    (tests/services/celery_worker.py, TEST_PLUGINS)."""
    return celery_worker


@pytest.fixture(scope="session")
def test_registry() -> Registry:
    """The no-op built-in plus the test connectors, for in-process runs and the catalogue."""
    registry = load_registry(builtin_modules=["connectors.builtin.noop"], plugins=[])
    for item in ALL:
        registry.register(item, "plugin:connectorhub-runs-tests:runs-tests")
    return registry


@pytest.fixture
def catalogue(db: None, test_registry: Registry) -> dict[str, Any]:
    """Template id -> TemplateVersion for the no-op built-in and every test connector."""
    from connectors.catalogue.registry_sync import sync_registry
    from connectors.models import TemplateVersion

    sync_registry(test_registry)
    return {v.entry.template_id: v for v in TemplateVersion.objects.select_related("entry")}


# --- a local HTTP server ----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """`/respond?status=N&body=JSON` answers N with that body; every request is remembered."""

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length).decode() if length else ""
        self.server.requests.append(  # type: ignore[attr-defined]
            {"method": self.command, "path": self.path, "headers": dict(self.headers),
             "body": received}
        )  # fmt: skip
        status = int(query.get("status", ["200"])[0])
        body = query.get("body", ['{"ok": true}'])[0]
        if parts.path == "/slow":
            time.sleep(float(query.get("seconds", ["0.2"])[0]))
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="session")
def http_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield server
    server.shutdown()


def respond_url(server: Any, status: int = 200, body: Any = None) -> str:
    from urllib.parse import urlencode

    query = {"status": status, "body": json.dumps({"ok": True} if body is None else body)}
    return f"{server.url}/respond?{urlencode(query)}"


# --- waiting ----------------------------------------------------------------------------------


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout}s: {predicate}")


def wait_done(run_id: int, timeout: float = 60.0) -> Any:
    from connectors.models import Run, RunStatus

    def done() -> Any:
        run = Run.objects.filter(pk=run_id).first()
        return run if run is not None and run.status == RunStatus.DONE else None

    return wait_for(done, timeout)


@pytest.fixture
def spare_pid() -> int:
    return os.getpid()


ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
ARTIFACTS_DIR.mkdir(exist_ok=True)
