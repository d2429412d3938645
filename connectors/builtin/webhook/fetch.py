"""A GET through the network door, for what a webhook fetches itself: a JWKS, SNS's signing
certificate, SNS's SubscribeURL.

`connectors.builtin.http.client` needs a whole `ConnectorContext` (a run's trace, time limit and
secrets); an inbound context only has the door, so this is http.client on the door's socket:
the egress policy and the per-secret host rules apply to the connection, TLS is verified
against the host name, and each fetch is one `Exchange` in the context's trace.
"""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

from connectorhub_sdk.errors import EgressDenied
from connectorhub_sdk.network import Network

MAX_BYTES = 1_000_000  # a JWKS or a certificate is a few KiB
TIMEOUT = 10.0


class FetchFailed(Exception):
    """The fetch did not give a 200 answer within the limits (the message names the URL's host
    and the problem)."""


class _DoorConnection(http.client.HTTPConnection):
    """http.client's connection with its socket from the network door."""

    def __init__(self, network: Network, host: str, port: int, tls: bool) -> None:
        super().__init__(host, port, timeout=TIMEOUT)
        self._network = network
        self._tls = tls

    def connect(self) -> None:
        tls = ssl.create_default_context() if self._tls else None
        self.sock = self._network.connect(self.host, self.port, tls=tls, timeout=TIMEOUT)


def get(network: Network, url: str, *, summary: str) -> bytes:
    """The body of a GET to URL (http or https), or FetchFailed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed(f"{summary}: not an http(s) URL")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    with network.exchange("http", f"{parts.scheme}://{parts.hostname}:{port}", summary) as record:
        connection = _DoorConnection(network, parts.hostname, port, tls)
        try:
            connection.request("GET", target, headers={"Accept": "*/*"})
            reply = connection.getresponse()
            body = reply.read(MAX_BYTES + 1)
        except EgressDenied as exc:
            raise FetchFailed(f"{summary}: {exc}") from None
        except OSError as exc:
            raise FetchFailed(f"{summary}: {parts.hostname}: {exc}") from None
        finally:
            connection.close()
        record.status = reply.status
        if reply.status != 200:
            raise FetchFailed(f"{summary}: {parts.hostname} answered HTTP {reply.status}")
        if len(body) > MAX_BYTES:
            raise FetchFailed(f"{summary}: {parts.hostname} sent more than {MAX_BYTES} bytes")
        return body
