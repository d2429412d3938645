"""The HTTP connectors' connection pool: kept-alive connections per origin, each request takes
one and gives it back in constant time.

httpcore's own ConnectionPool, at every request and again at every response's end, walks all
its connections and all waiting requests under one lock and asks each idle socket whether the
server closed it. With 100 jobs calling one endpoint at once that walk cost the worker about
1 ms of CPU per call, more than the rest of the HTTP path (docs/performance.md). Here a
request takes the most recently used idle connection of its origin, or opens a new one; only
the connection taken is checked. Built on httpcore's public `HTTPConnection`.

Camunda's HttpService builds an Apache HttpClient per request (no pool across jobs), so there
is no Camunda rule to follow here beyond HTTP/1.1 keep-alive itself.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable, Iterator

import httpcore


class KeptAlivePool:
    """At most MAX_CONNECTIONS requests at once (more wait up to the request's pool timeout,
    then PoolTimeout, as httpcore's pool does); up to as many idle connections are kept, each
    closed once idle for KEEPALIVE_EXPIRY seconds."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float,
        network_backend: httpcore.NetworkBackend,
    ) -> None:
        self.ssl_context = ssl_context
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self.network_backend = network_backend
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        # (scheme, host, port) -> idle connections, the most recently used last
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.HTTPConnection]] = {}
        self._idle_count = 0
        self._closed = False

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        if request.url.scheme not in (b"http", b"https"):  # as httpcore's pool refuses it
            scheme = request.url.scheme.decode("ascii", "replace")
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme}://'."
            )
        timeout = request.extensions.get("timeout", {}).get("pool")
        if not self._slots.acquire(timeout=timeout):
            raise httpcore.PoolTimeout(f"no connection free within {timeout:g} s")
        origin = request.url.origin
        try:
            connection, response = self._send(origin, request)
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(response.stream, Iterable)
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_GivenBack(response.stream, lambda: self.give_back(origin, connection)),
            extensions=response.extensions,
        )

    def _send(
        self, origin: httpcore.Origin, request: httpcore.Request
    ) -> tuple[httpcore.HTTPConnection, httpcore.Response]:
        while True:
            connection = self._take(origin)
            if connection is None:
                connection = httpcore.HTTPConnection(
                    origin=origin,
                    ssl_context=self.ssl_context,
                    keepalive_expiry=self.keepalive_expiry,
                    network_backend=self.network_backend,
                )
                return connection, connection.handle_request(request)
            try:
                return connection, connection.handle_request(request)
            except httpcore.ConnectionNotAvailable:  # closed between the check and the send
                connection.close()

    def _take(self, origin: httpcore.Origin) -> httpcore.HTTPConnection | None:
        """The most recently used idle connection to ORIGIN that is still usable, or None."""
        while True:
            with self._lock:
                stack = self._idle.get(_key(origin))
                if not stack:
                    return None
                connection = stack.pop()
                self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            connection.close()  # expired, or the server closed it meanwhile

    def give_back(self, origin: httpcore.Origin, connection: httpcore.HTTPConnection) -> None:
        """After a response's end: keep CONNECTION for ORIGIN's next request if it may be
        reused."""
        closing = [] if connection.is_idle() else [connection]
        try:
            with self._lock:
                if not closing:
                    if self._closed:
                        closing.append(connection)
                    else:
                        stack = self._idle.setdefault(_key(origin), [])
                        stack.append(connection)
                        self._idle_count += 1
                        closing += self._surplus(stack)
        finally:
            self._slots.release()
        for surplus in closing:
            surplus.close()

    def _surplus(self, stack: list[httpcore.HTTPConnection]) -> list[httpcore.HTTPConnection]:
        """The oldest idle connections of STACK to drop now: above the cap, or expired (so that
        an endpoint called less often does not keep its sockets open)."""
        dropped = []
        while stack and (self._idle_count > self.max_connections or stack[0].has_expired()):
            dropped.append(stack.pop(0))
            self._idle_count -= 1
        return dropped

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [connection for stack in self._idle.values() for connection in stack]
            self._idle.clear()
            self._idle_count = 0
        for connection in idle:
            connection.close()


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    return origin.scheme, origin.host, origin.port  # httpcore's Origin is not hashable


class _GivenBack:
    """A response body that gives its connection back to the pool when closed."""

    def __init__(self, inner: Iterable[bytes], give_back: Callable[[], None]) -> None:
        self._inner = inner
        self._give_back = give_back
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._inner, "close", None)  # httpcore's streams have one
            if close is not None:
                close()
        finally:
            self._give_back()
