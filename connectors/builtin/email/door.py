"""The stdlib mail clients on sockets from the network door (docs/network.md): imaplib and
poplib open their connection in `_create_socket(timeout)`, so one mixin serves both."""

from __future__ import annotations

import socket
import ssl
from typing import Any

from connectorhub_sdk import Network


class DoorSocket:
    """Mixed in before `imaplib.IMAP4` or `poplib.POP3`: the connection goes through NETWORK,
    with TLS (verified against the host name) when TLS is given."""

    host: str
    port: int

    def __init__(self, network: Network, host: str, port: int, tls: ssl.SSLContext | None):
        self.network, self.tls = network, tls
        super().__init__(host, port)  # type: ignore[call-arg]  # the stdlib client's

    def _create_socket(self, timeout: Any) -> socket.socket:
        return self.network.connect(self.host, self.port, tls=self.tls, timeout=timeout)
