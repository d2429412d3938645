"""Connections of the HTTP client: every request is admitted by the run's network door and
connections are opened only to the addresses the door vetted (`_PinnedBackend`), so a second DNS
answer cannot point a request elsewhere. Connection pools (`connectors.network.http_pool`) are
shared per (address policy, TLS material) between runs; Camunda builds a client per request on
one shared connection manager (`CustomApacheHttpClient`)."""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import ssl
import threading
from collections import OrderedDict
from typing import Any

import httpcore
import httpx
from connectorhub_sdk import AddressPolicy, ConnectorContext, ConnectorError, Network

from connectors.network.http_pool import KeptAliveTransport
from connectors.network.policy import EgressPolicy, HostNotResolved
from connectors.network.replay import replaying

from .deadline import DEADLINE, DeadlineStream, by_deadline
from .tls import TlsMaterial, build_ssl_context

MAX_CLIENTS = 16  # connection pools kept; the least recently used one is closed
# requests of one pool at once, and idle connections kept: Camunda's runtime runs 100 jobs at
# once, and with fewer kept alive every call past them would connect (and shake hands) again
POOL_CONNECTIONS = 100


# The network door of the run whose request is being sent: the connection pool's backend
# (`_PinnedBackend`) opens connections through it.
DOOR: contextvars.ContextVar[Network | None] = contextvars.ContextVar(
    "connectorhub_http_door", default=None
)


def admit(context: ConnectorContext, host: str, port: int, deadline: float | None) -> None:
    """Under an address policy, ask the door before every request, not only when a connection
    is opened: a pooled connection may have been opened before the allow-list changed."""
    policy = context.address_policy
    if policy is None:
        return
    network = context.network
    try:
        if deadline is None or not _asks_dns(policy, host, port):
            network.resolve(host, port)
        else:
            by_deadline(
                lambda: network.resolve(host, port),
                deadline,
                lambda: ConnectorError("408", f"Could not resolve host '{_bare(host)}' in time"),
            )
    except HostNotResolved as exc:
        raise ConnectorError("408", str(exc)) from None


def _asks_dns(policy: AddressPolicy, host: str, port: int) -> bool:
    """Whether resolving may wait for DNS: not for an address, nor for a reused answer."""
    if _is_address(host):
        return False
    return not (isinstance(policy, EgressPolicy) and policy.reused(host, port) is not None)


@functools.lru_cache(maxsize=1024)  # a pure function of the text, asked on every request
def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(_bare(host))
    except ValueError:
        return False
    return True


def _bare(host: str) -> str:
    return host.strip("[]").lower()


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the addresses the run's network door vetted (the egress policy's checked
    answer), never to a fresh DNS answer; outside a request it behaves as httpcore's own
    backend. Under a deadline the connection is made on a helper thread (a DNS lookup has no
    timeout) and every read and write on it ends by the deadline."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        door, deadline = DOOR.get(), DEADLINE.get()  # context variables: read them here

        def connect() -> httpcore.NetworkStream:
            return self._connect(host, port, timeout, local_address, socket_options, door)

        if deadline is None:
            return DeadlineStream(connect())
        stream = by_deadline(
            connect,
            deadline,
            lambda: httpcore.ConnectTimeout(f"Could not connect to {host}:{port} in time"),
            lambda late: late.close(),
        )
        return DeadlineStream(stream)

    def _connect(
        self,
        host: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Any,
        door: Network | None,
    ) -> httpcore.NetworkStream:
        if door is None:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = door.resolve(host, port)
        except OSError as exc:  # HostNotResolved, socket.gaierror
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


class _PinnedTransport(KeptAliveTransport):
    """Connections opened by the pinned backend, on a pool that takes a kept-alive connection
    in constant time (connectors.network.http_pool: httpx's own HTTPTransport cannot be given
    a network backend)."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        super().__init__(
            ssl_context, max_connections=POOL_CONNECTIONS, network_backend=_PinnedBackend()
        )


_clients: OrderedDict[tuple[Any, str], _PinnedTransport] = OrderedDict()
_clients_lock = threading.Lock()


def pooled_transport(
    policy: AddressPolicy | None, tls: TlsMaterial | None, field_name: str
) -> _PinnedTransport:
    """A shared transport (connection pool) for this policy and TLS material."""
    tls_key = tls.key() if tls is not None and tls.is_configured else ""
    key = (policy, tls_key)
    with _clients_lock:
        transport = _clients.get(key)
        if transport is not None:
            _clients.move_to_end(key)
            return transport
    transport = _PinnedTransport(build_ssl_context(tls if tls_key else None, field_name))
    with _clients_lock:
        existing = _clients.get(key)
        if existing is not None:
            transport.close()
            return existing
        _clients[key] = transport
        while len(_clients) > MAX_CLIENTS:
            _, old = _clients.popitem(last=False)
            old.close()
    return transport


def transport_for(
    context: ConnectorContext,
    host: str,
    port: int,
    deadline: float | None,
    tls: TlsMaterial | None,
    field_name: str,
) -> httpx.BaseTransport:
    """The transport one request is sent with, after the door admitted it: the shared pool,
    or in an offline replay the recording's (connectors.network.replay), which opens no
    connection and so is not admitted (its policy refuses every host)."""
    replay = replaying(context.address_policy)
    if replay is not None:
        return replay.http_transport(context.redact)
    admit(context, host, port, deadline)
    return pooled_transport(context.address_policy, tls, field_name)


def close_clients() -> None:
    """Close every shared connection pool (tests, shutdown)."""
    with _clients_lock:
        for transport in _clients.values():
            transport.close()
        _clients.clear()
