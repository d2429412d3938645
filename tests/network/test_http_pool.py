"""The HTTP connectors' connection pool: calls to one endpoint reuse kept-alive connections (as
many as run at once, not one per call); a connection the server closed or left idle too long is
not reused; idle connections to hosts no longer called give way to the others; more requests
than the pool holds wait for a free connection up to the pool timeout (sync and async); and the
pool reaches httpx and httpcore through their public APIs only."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpcore
import httpx
import pytest

from connectors.network.http_pool import AsyncKeptAliveTransport, KeptAlivePool
from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import RecordingServer, Reply

V18 = template(REST_FILE, REST_ID, 18)
CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"


class CountingServer(RecordingServer):
    """A RecordingServer that counts the connections it accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = 0
        accept = self.server.get_request

        def counted() -> tuple[socket.socket, object]:
            connection = accept()
            self.accepted += 1
            return connection

        self.server.get_request = counted  # type: ignore[method-assign]


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with CountingServer() as running:
        yield running


def get(url: str) -> object:
    return result_of(run_template(V18, {"method": "GET", "url": url, "resultVariable": "result"}))


def test_concurrent_calls_to_one_endpoint_reuse_as_many_connections_as_run_at_once(server):
    server.route("/slow", Reply(json={"ok": True}, delay=0.05))
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda _: get(f"{server.url}/slow"), range(60)))
    assert all(result["body"] == {"ok": True} for result in results)
    assert server.count("/slow") == 60
    assert server.accepted <= 10


def test_a_connection_the_server_closed_is_not_reused(server):
    server.route("/bye", Reply(json={"n": 1}, headers=[("Connection", "close")]))
    server.route("/hello", Reply(json={"n": 2}))
    assert get(f"{server.url}/bye")["body"] == {"n": 1}
    assert get(f"{server.url}/hello")["body"] == {"n": 2}
    assert get(f"{server.url}/hello")["body"] == {"n": 2}
    assert server.accepted == 2  # /bye's own, then one kept alive for both /hello calls


def _request(url: str, pool_timeout: float | None = None) -> httpcore.Request:
    return httpcore.Request(
        "GET", url, headers=[("Host", "127.0.0.1")], extensions={"timeout": {"pool": pool_timeout}}
    )


def _pool(connections: int, keepalive: float = 5.0) -> KeptAlivePool:
    return KeptAlivePool(
        ssl_context=ssl.create_default_context(),
        max_connections=connections,
        keepalive_expiry=keepalive,
        network_backend=httpcore.SyncBackend(),
    )


def test_an_idle_connection_past_its_keepalive_expiry_is_not_reused(server):
    pool = _pool(4, keepalive=0.1)
    for pause in (0.0, 0.3):
        time.sleep(pause)
        _get(pool, f"{server.url}/x")
    pool.close()
    assert server.accepted == 2


def _get(pool: KeptAlivePool, url: str) -> None:
    response = pool.handle_request(_request(url))
    response.read()
    response.close()


def test_idle_connections_to_hosts_no_longer_called_do_not_crowd_out_the_others(server):
    pool = _pool(2)
    with CountingServer() as gone, CountingServer() as also_gone:
        _get(pool, f"{gone.url}/x")
        _get(pool, f"{also_gone.url}/x")  # the pool's two idle connections: both stale now
    for _ in range(3):
        _get(pool, f"{server.url}/x")
    pool.close()
    assert server.accepted == 1


def test_more_requests_than_the_pool_holds_wait_for_a_connection_up_to_the_pool_timeout(server):
    server.route("/slow", Reply(json={}, delay=0.3))
    pool = _pool(1)
    first = pool.handle_request(_request(f"{server.url}/x"))  # holds the only connection
    with pytest.raises(httpcore.PoolTimeout):
        pool.handle_request(_request(f"{server.url}/x", pool_timeout=0.05))
    done = threading.Event()

    def waiting() -> None:
        _get(pool, f"{server.url}/x")  # no pool timeout: waits
        done.set()

    thread = threading.Thread(target=waiting)
    thread.start()
    assert not done.wait(0.2)
    first.read()
    first.close()
    thread.join(5)
    assert done.is_set()
    pool.close()
    assert server.accepted == 1


def test_an_unsupported_scheme_is_refused_as_by_httpcore():
    with pytest.raises(httpcore.UnsupportedProtocol, match="ftp://"):
        _pool(1).handle_request(_request("ftp://127.0.0.1/x"))


def test_no_code_reaches_into_httpx_or_httpcore_private_parts() -> None:
    # a private attribute of a pool or transport, or a private module of either library
    private = re.compile(r"\._pool\b|\b(?:httpx|httpcore)\._|from (?:httpx|httpcore)\._")
    found = [
        f"{path.relative_to(CONNECTORS.parent)}:{number}: {line.strip()}"
        for path in sorted(CONNECTORS.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert found == []


def test_async_requests_beyond_the_pool_wait_their_turn_on_kept_alive_connections(server):
    server.route("/slow", Reply(json={"ok": True}, delay=0.02))

    async def send_all() -> list[object]:
        transport = AsyncKeptAliveTransport(ssl.create_default_context(), max_connections=4)
        async with httpx.AsyncClient(transport=transport, base_url=server.url) as client:
            answers = await asyncio.gather(*(client.get("/slow") for _ in range(40)))
        return [answer.json() for answer in answers]

    assert asyncio.run(send_all()) == [{"ok": True}] * 40
    assert server.accepted <= 4
