"""The recipes docs/network.md gives for client libraries, tried on the standard library's
smtplib against a minimal SMTP server: through the door, the egress policy refuses loopback
with the same message as REST's and admits what the allow-list admits."""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk import ConnectorContext, EgressDenied, Network

from connectors.network.policy import EgressPolicy, forget_answers


class DoorSMTP(smtplib.SMTP):
    """smtplib whose socket comes from the network door (the recipe in docs/network.md)."""

    def __init__(self, network: Network, host: str, port: int) -> None:
        self.network = network
        super().__init__(host, port)

    def _get_socket(self, host: str, port: int, timeout: Any) -> socket.socket:
        return self.network.connect(host, port, timeout=timeout)


class FakeSmtp:
    """Greets, answers EHLO/HELO and NOOP with 250 and QUIT with 221; counts connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rwb") as stream:
                stream.write(b"220 fake.test ESMTP\r\n")
                stream.flush()
                for line in stream:
                    verb = line[:4].upper()
                    stream.write(b"221 bye\r\n" if verb == b"QUIT" else b"250 fake.test\r\n")
                    stream.flush()
                    if verb == b"QUIT":
                        break


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    forget_answers()
    server = FakeSmtp()
    yield server
    server.sock.close()
    forget_answers()


def test_smtplib_through_the_door_is_refused_for_loopback(smtp_server: FakeSmtp) -> None:
    network = ConnectorContext(job_type="t", address_policy=EgressPolicy()).network
    with pytest.raises(EgressDenied) as refused:
        DoorSMTP(network, "127.0.0.1", smtp_server.port)
    assert str(refused.value).startswith(
        "The egress policy refused 127.0.0.1: 127.0.0.1 is a loopback address (rule 'loopback')"
    )
    assert smtp_server.connections == 0


def test_smtplib_through_the_door_reaches_an_admitted_server(smtp_server: FakeSmtp) -> None:
    """smtplib passes socket's "default timeout" marker: the run's time limit bounds it."""
    policy = EgressPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    context = ConnectorContext(
        job_type="t", address_policy=policy, deadline=time.monotonic() + 30, clock=time.monotonic
    )
    client = DoorSMTP(context.network, "127.0.0.1", smtp_server.port)
    try:
        assert client.ehlo()[0] == 250
        assert client.sock is not None and 0 < (client.sock.gettimeout() or 0) <= 30
    finally:
        client.quit()
    assert smtp_server.connections == 1
