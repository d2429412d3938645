"""Network-door fixtures: a TCP banner server on a chosen loopback address, the test
connectors in a registry and in the real Celery worker (as a plugin, through an entry point),
and the dry-run worker with no address admitted beyond the policy's own rules."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.registry import Registry, load_registry
from tests.network.connectors import ALL

BANNER = "220 banner.test ready"


class BannerServer:
    """Sends BANNER to each connection after reading nothing; remembers what it was sent."""

    def __init__(self, host: str) -> None:
        self.sock = socket.create_server((host, 0))
        self.host, self.port = host, self.sock.getsockname()[1]
        self.connections = 0
        self.received: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.connections += 1
                conn.settimeout(0.2)
                conn.sendall(f"{BANNER}\r\n".encode())
                with contextlib.suppress(OSError):  # a client that sends nothing
                    self.received.append(conn.recv(1024).decode())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def banner_server(request: pytest.FixtureRequest) -> Iterator[BannerServer]:
    """A banner server on 127.0.0.1, or on the address the test asks for (indirect)."""
    server = BannerServer(getattr(request, "param", "127.0.0.1"))
    yield server
    server.close()


@pytest.fixture(scope="session")
def network_registry() -> Registry:
    registry = load_registry(builtin_modules=["connectors.builtin.noop"], plugins=[])
    for item in ALL:
        registry.register(item, "plugin:connectorhub-network-tests:network-tests")
    return registry


@pytest.fixture(scope="module")
def door_worker(celery_worker: Any) -> Any:
    """The session's worker: it loads the network test connectors as a plugin, and admits no
    address beyond the policy's own rules unless a test adds an allow-list entry."""
    return celery_worker
