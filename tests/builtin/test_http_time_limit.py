"""The HTTP connectors end by the run's time limit on their own (the runtime calls them without
a thread): a slow answer, a server that trickles its headers, a slow DNS answer all end as the
runtime's time-limit failure, on time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from connectors.builtin.http import egress
from connectors.builtin.http.egress import EgressPolicy
from connectors.runtime import Failed
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply

V18 = template(REST_FILE, REST_ID, 18)
LIMIT = 0.4


def get(url: str) -> dict[str, object]:
    return {"method": "GET", "url": url, "resultVariable": "r"}


def assert_time_limit_failure(outcome: object, started: float) -> None:
    assert time.perf_counter() - started < LIMIT + 0.6
    assert isinstance(outcome, Failed), outcome
    assert outcome.message.startswith(
        f"The connector did not finish within its time limit of {LIMIT:g} s"
    )
    assert outcome.variables is not None
    assert outcome.variables["error"]["type"] == "java.util.concurrent.TimeoutException"


def test_a_slow_answer_fails_at_the_time_limit(server):
    server.route("/slow", Reply(json={}, delay=3.0))
    started = time.perf_counter()
    outcome = run_template(V18, get(f"{server.url}/slow"), time_limit=LIMIT)
    assert_time_limit_failure(outcome, started)
    assert outcome.retries == 2


@pytest.fixture
def trickling_server() -> Iterator[int]:
    """Answers with a status line, then one header byte every 50 ms for 5 s: no single read
    waits long, so only a deadline on every read ends it."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(100):
                if stop.wait(0.05):
                    return
                try:
                    connection.sendall(b"a")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_a_server_trickling_its_headers_fails_at_the_time_limit(trickling_server):
    started = time.perf_counter()
    outcome = run_template(V18, get(f"http://127.0.0.1:{trickling_server}/"), time_limit=LIMIT)
    assert_time_limit_failure(outcome, started)


def test_a_slow_dns_answer_fails_at_the_time_limit(server):
    egress.forget_answers()

    def slow_resolver(host: str, port: int) -> list[str]:
        time.sleep(2.0)
        return ["127.0.0.1"]

    policy = EgressPolicy(allow_hosts=("slow.test",), resolver=slow_resolver)
    started = time.perf_counter()
    outcome = run_template(
        V18, get(f"http://slow.test:{server.port}/x"), policy=policy, time_limit=LIMIT
    )
    assert_time_limit_failure(outcome, started)
    assert server.requests == []


def test_within_the_limit_the_call_completes_as_before(server):
    server.route("/quick", Reply(json={"ok": True}, delay=0.05))
    result = result_of(run_template(V18, get(f"{server.url}/quick"), time_limit=5.0), "r")
    assert result["body"] == {"ok": True}
