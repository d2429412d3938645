"""Through the real Celery worker: an entry staff add in the app admits the next dry-run,
without restarting the worker (it reads the shared database, in production through a short
cache: tests/builtin/test_egress_allowlist.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from connectors.network import allowlist
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"hello": "from 127.0.0.2"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def other_loopback() -> Iterator[str]:
    """A server on 127.0.0.2: loopback, but not the 127.0.0.1 `egress_worker` admits."""
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}/hello"
    finally:
        server.shutdown()
        server.server_close()


def test_an_entry_added_in_the_app_reaches_the_running_worker(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    other_loopback: str,
    user: Any,
) -> None:
    values = {"method": "GET", "url": other_loopback, "resultVariable": "result"}
    refused = dry_run(versions[REST_ID], values)
    assert refused.outcome == "failed"
    assert "127.0.0.2 is a loopback address (rule 'loopback')" in refused.error_message
    assert "Staff can allow it on the hub's egress allow-list page" in refused.error_message

    # the session's worker reads the allow-list for each run (its cache is 3 s in production)
    allowlist.entry_add(pattern="127.0.0.2", note="my API under development", user=user)

    allowed = dry_run(versions[REST_ID], values)
    assert allowed.outcome == "completed", allowed.error_message
    assert allowed.outcome_record.variables["result"]["body"] == {"hello": "from 127.0.0.2"}
