"""The HTTP connectors end by the run's time limit on their own (the runtime calls them without
a thread): a slow answer, a server that trickles its headers or its body (plain or TLS, sized
or chunked), a trickling OAuth token endpoint, a chain of slow redirects, a slow DNS answer
all end as the runtime's time-limit failure, on time: the call has one deadline, however
often a read gets a byte."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from connectors.network import policy as egress
from connectors.network.policy import EgressPolicy
from connectors.runtime import Failed
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply

V18 = template(REST_FILE, REST_ID, 18)
LIMIT = 0.4
# The earliest a slow server or resolver below lets a call end by itself (the 2 s DNS answer):
# ending sooner shows the time limit ended it, however slow the machine. A chain of redirects
# that ends sooner (0.6 s) proves the shared deadline by failing at all.
EARLIEST_NATURAL_END = 2.0


def get(url: str) -> dict[str, object]:
    return {"method": "GET", "url": url, "resultVariable": "r"}


def assert_time_limit_failure(outcome: object, started: float) -> None:
    assert time.perf_counter() - started < EARLIEST_NATURAL_END
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


class Trickler:
    """A server that answers each connection with HEAD, then DRIP every 50 ms for 5 s: no
    single read waits long, so only a deadline on the whole call ends it. TLS when given a
    server context (the drip then comes in TLS records)."""

    def __init__(self, head: bytes, drip: bytes, tls: ssl.SSLContext | None = None) -> None:
        self.head, self.drip, self.tls = head, drip, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            with connection:
                connection.recv(65536)
                connection.sendall(self.head)
                for _ in range(100):
                    if self.stop.wait(0.05):
                        return
                    connection.sendall(self.drip)
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def trickler() -> Iterator[Callable[..., Trickler]]:
    started: list[Trickler] = []

    def start(head: bytes, drip: bytes, tls: ssl.SSLContext | None = None) -> Trickler:
        started.append(Trickler(head, drip, tls))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_a_server_trickling_its_headers_fails_at_the_time_limit(trickler):
    slow = trickler(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a")
    started = time.perf_counter()
    outcome = run_template(V18, get(f"{slow.url}/"), time_limit=LIMIT)
    assert_time_limit_failure(outcome, started)


BODY_TRICKLES = {
    "content-length": (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"a"),
    "chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"1\r\na\r\n"),
}


@pytest.mark.parametrize("framing", list(BODY_TRICKLES))
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_server_trickling_its_body_fails_at_the_time_limit(trickler, pki, framing, scheme):
    tls = pki.server_context(require_client_cert=False) if scheme == "https" else None
    slow = trickler(*BODY_TRICKLES[framing], tls=tls)
    values = {**get(f"{slow.url}/"), "readTimeoutInSeconds": "1"}  # longer than the run
    if tls is not None:
        values["clientTls.trustedCertificate"] = pki.ca_pem
    started = time.perf_counter()
    outcome = run_template(V18, values, time_limit=LIMIT)
    assert_time_limit_failure(outcome, started)


def test_a_trickling_oauth_token_endpoint_fails_at_the_time_limit(trickler, server):
    slow = trickler(*BODY_TRICKLES["content-length"])
    values = {
        **get(f"{server.url}/api"),
        "authentication.type": "oauth-client-credentials-flow",
        "authentication.oauthTokenEndpoint": f"{slow.url}/oauth/token",
        "authentication.clientId": "client-1",
        "authentication.clientSecret": "secret",
        "authentication.clientAuthentication": "basicAuthHeader",
    }
    started = time.perf_counter()
    outcome = run_template(V18, values, time_limit=LIMIT)
    assert_time_limit_failure(outcome, started)
    assert server.requests == []


def test_redirects_share_the_calls_one_deadline(server):
    # each hop answers well within the limit; together they do not
    server.route("/a", Reply(status=302, headers=[("Location", "/b")], delay=0.15))
    server.route("/b", Reply(status=302, headers=[("Location", "/c")], delay=0.15))
    server.route("/c", Reply(status=302, headers=[("Location", "/d")], delay=0.15))
    server.route("/d", Reply(json={}, delay=0.15))
    values = {**get(f"{server.url}/a"), "followRedirects": True}
    started = time.perf_counter()
    outcome = run_template(V18, values, time_limit=LIMIT)
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
