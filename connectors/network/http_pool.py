"""HTTP connection pools that take and give back a kept-alive connection in constant time, and
the httpx transports on them (sync for the HTTP connectors, async for the Zeebe REST worker).

httpcore's own ConnectionPool, at every request and again at every response's end, walks all
its connections and, for each waiting request, all of them again, under one lock, and asks
each idle socket whether the server closed it. With 100 jobs calling one endpoint (or 100 job
commands waiting for 16 connections) that walk cost more CPU than the rest of the request
(docs/performance.md). Here a request takes the most recently used idle connection of its
origin, or opens a new one; only the connection taken is checked.

Camunda's HTTP connectors (`io.camunda.connector.http.base.components.apache.
CustomApacheHttpClient`) build an Apache client per request on one shared
PoolingHttpClientConnectionManager without a limit (total or per host); the HTTP connectors
here keep up to 100 requests at once per pool (`builtin/http/transport.py`), as httpx's pool
did before, and a request beyond them waits up to its pool timeout.

Built on public APIs only: httpcore's `HTTPConnection`/`AsyncHTTPConnection` and exceptions,
httpx's `BaseTransport`/`AsyncBaseTransport` and byte streams. What the transports do is what
httpx's HTTPTransport does (httpx 0.28, httpcore 1.0), which cannot be given a pool or a
network backend of one's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections import OrderedDict
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import Generic, TypeVar

import httpcore
import httpx

KEEPALIVE_SECONDS = 5.0  # httpx's default expiry of an idle connection

Connection = TypeVar("Connection", httpcore.HTTPConnection, httpcore.AsyncHTTPConnection)
Key = tuple[bytes, bytes, int]  # (scheme, host, port): httpcore's Origin is not hashable


class _IdleStacks(Generic[Connection]):
    """Idle connections per origin, the most recently used last; at most LIMIT in all, and the
    least recently used across all origins goes first (over the limit, or once expired), so
    that connections to hosts no longer called neither stay open nor crowd out the others."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()  # never held across an await
        self._stacks: dict[Key, list[Connection]] = {}
        # every idle connection, least recently used first: id -> (its origin, itself)
        self._order: OrderedDict[int, tuple[Key, Connection]] = OrderedDict()
        self.closed = False

    def pop(self, origin: httpcore.Origin) -> Connection | None:
        key = _key(origin)
        with self._lock:
            stack = self._stacks.get(key)
            if not stack:
                return None
            connection = stack.pop()
            if not stack:
                del self._stacks[key]
            del self._order[id(connection)]
            return connection

    def push(self, origin: httpcore.Origin, connection: Connection) -> list[Connection]:
        """Keep CONNECTION; the connections to close now: CONNECTION itself after close(), and
        the least recently used ones above the limit or once expired."""
        key = _key(origin)
        with self._lock:
            if self.closed:
                return [connection]
            self._stacks.setdefault(key, []).append(connection)
            self._order[id(connection)] = (key, connection)
            dropped = []
            while self._order:
                oldest_key, oldest = next(iter(self._order.values()))
                if len(self._order) <= self.limit and (
                    # the one just used is not asked (a poll system call per request when it
                    # is the only one idle): pop checks it before its next use anyway
                    oldest is connection or not oldest.has_expired()
                ):
                    break
                del self._order[id(oldest)]
                stack = self._stacks[oldest_key]
                stack.remove(oldest)  # the oldest of all is the first of its own stack
                if not stack:
                    del self._stacks[oldest_key]
                dropped.append(oldest)
            return dropped

    def drain(self) -> list[Connection]:
        with self._lock:
            self.closed = True
            idle = [connection for _, connection in self._order.values()]
            self._stacks.clear()
            self._order.clear()
            return idle


def _key(origin: httpcore.Origin) -> Key:
    return origin.scheme, origin.host, origin.port


def _check_scheme(request: httpcore.Request) -> None:
    if request.url.scheme not in (b"http", b"https"):  # as httpcore's pool refuses it
        scheme = request.url.scheme.decode("ascii", "replace")
        raise httpcore.UnsupportedProtocol(
            f"Request URL has an unsupported protocol '{scheme}://'."
        )


def _pool_timeout(request: httpcore.Request) -> float | None:
    timeout: float | None = request.extensions.get("timeout", {}).get("pool")
    return timeout


def _usable(connection: httpcore.HTTPConnection | httpcore.AsyncHTTPConnection) -> bool:
    return connection.is_idle() and not connection.has_expired()


class KeptAlivePool:
    """At most MAX_CONNECTIONS requests at once (more wait up to the request's pool timeout,
    then PoolTimeout, as httpcore's pool does); as many idle connections are kept, each closed
    once idle for KEEPALIVE_EXPIRY seconds."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float = KEEPALIVE_SECONDS,
        network_backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.ssl_context = ssl_context
        self.keepalive_expiry = keepalive_expiry
        self.network_backend = network_backend
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle: _IdleStacks[httpcore.HTTPConnection] = _IdleStacks(max_connections)

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        _check_scheme(request)
        timeout = _pool_timeout(request)
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
            content=_GivenBack(response.stream, lambda: self._give_back(origin, connection)),
            extensions=response.extensions,
        )

    def _send(
        self, origin: httpcore.Origin, request: httpcore.Request
    ) -> tuple[httpcore.HTTPConnection, httpcore.Response]:
        while (connection := self._idle.pop(origin)) is not None:
            if not _usable(connection):  # expired, or the server closed it meanwhile
                connection.close()
                continue
            try:
                return connection, connection.handle_request(request)
            except httpcore.ConnectionNotAvailable:  # closed between the check and the send
                connection.close()
        connection = httpcore.HTTPConnection(
            origin=origin,
            ssl_context=self.ssl_context,
            keepalive_expiry=self.keepalive_expiry,
            network_backend=self.network_backend,
        )
        return connection, connection.handle_request(request)

    def _give_back(self, origin: httpcore.Origin, connection: httpcore.HTTPConnection) -> None:
        try:
            closing = self._idle.push(origin, connection) if connection.is_idle() else [connection]
        finally:
            self._slots.release()
        for surplus in closing:
            surplus.close()

    def close(self) -> None:
        for connection in self._idle.drain():
            connection.close()


class AsyncKeptAlivePool:
    """KeptAlivePool for asyncio (httpcore's default async network backend)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float = KEEPALIVE_SECONDS,
    ) -> None:
        self.ssl_context = ssl_context
        self.keepalive_expiry = keepalive_expiry
        self._slots = asyncio.BoundedSemaphore(max_connections)
        self._idle: _IdleStacks[httpcore.AsyncHTTPConnection] = _IdleStacks(max_connections)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        _check_scheme(request)
        timeout = _pool_timeout(request)
        try:
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives
            # just after the slot was taken (the request then went on, and the Zeebe REST
            # worker's long poll outlived its stop). asyncio.timeout lets it through.
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout(f"no connection free within {timeout:g} s") from None
        origin = request.url.origin
        try:
            connection, response = await self._send(origin, request)
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(response.stream, AsyncIterable)
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_AsyncGivenBack(response.stream, lambda: self._give_back(origin, connection)),
            extensions=response.extensions,
        )

    async def _send(
        self, origin: httpcore.Origin, request: httpcore.Request
    ) -> tuple[httpcore.AsyncHTTPConnection, httpcore.Response]:
        while (connection := self._idle.pop(origin)) is not None:
            if not _usable(connection):
                await connection.aclose()
                continue
            try:
                return connection, await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:
                await connection.aclose()
        connection = httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self.ssl_context, keepalive_expiry=self.keepalive_expiry
        )
        return connection, await connection.handle_async_request(request)

    async def _give_back(
        self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection
    ) -> None:
        try:
            closing = self._idle.push(origin, connection) if connection.is_idle() else [connection]
        finally:
            self._slots.release()
        for surplus in closing:
            await surplus.aclose()

    async def aclose(self) -> None:
        for connection in self._idle.drain():
            await connection.aclose()


class _GivenBack:
    """A response body that gives its connection back to the pool when closed."""

    def __init__(self, inner: Iterable[bytes], give_back: Callable[[], None]) -> None:
        self._inner = inner
        self._give_back: Callable[[], None] | None = give_back

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        give_back, self._give_back = self._give_back, None
        if give_back is None:
            return
        try:
            close = getattr(self._inner, "close", None)  # httpcore's streams have one
            if close is not None:
                close()
        finally:
            give_back()


class _AsyncGivenBack:
    def __init__(
        self, inner: AsyncIterable[bytes], give_back: Callable[[], Awaitable[None]]
    ) -> None:
        self._inner = inner
        self._give_back: Callable[[], Awaitable[None]] | None = give_back

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        give_back, self._give_back = self._give_back, None
        if give_back is None:
            return
        try:
            close = getattr(self._inner, "aclose", None)
            if close is not None:
                await close()
        finally:
            await give_back()


# -- httpx transports -------------------------------------------------------------------------

# httpcore's exceptions as the httpx ones callers catch, most specific first (the table httpx's
# own HTTPTransport maps with; both sides are public classes).
_MAPPED_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for raised, mapped in _MAPPED_ERRORS:
            if isinstance(exc, raised):
                raise mapped(str(exc)) from exc
        raise


def _core_request(request: httpx.Request) -> httpcore.Request:
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


class KeptAliveTransport(httpx.BaseTransport):
    """An httpx transport on a KeptAlivePool (NETWORK_BACKEND: httpcore's default if None)."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        *,
        max_connections: int,
        network_backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.pool = KeptAlivePool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            network_backend=network_backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        with _as_httpx_errors():
            answer = self.pool.handle_request(_core_request(request))
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self.pool.close()


class AsyncKeptAliveTransport(httpx.AsyncBaseTransport):
    """An httpx transport on an AsyncKeptAlivePool: `httpx.AsyncClient(transport=...)`."""

    def __init__(self, ssl_context: ssl.SSLContext, *, max_connections: int) -> None:
        self.pool = AsyncKeptAlivePool(ssl_context=ssl_context, max_connections=max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        with _as_httpx_errors():
            answer = await self.pool.handle_async_request(_core_request(request))
        assert isinstance(answer.stream, AsyncIterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_AsyncBody(answer.stream),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


class _Body(httpx.SyncByteStream):
    """httpcore's response body as httpx reads it, its failures as httpx's."""

    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            with _as_httpx_errors():
                close()


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, inner: AsyncIterable[bytes]) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            with _as_httpx_errors():
                await close()
