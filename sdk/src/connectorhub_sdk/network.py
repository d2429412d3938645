"""The network door (`ConnectorContext.network`): every connection a connector opens goes through
it, so the host rules and the address policy apply to every protocol (docs/network.md)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .exchanges import Exchange

if TYPE_CHECKING:  # context.py builds a Network for each context
    from .context import ConnectorContext


class Network:
    """The network door (`context.network`): every connection a connector opens goes through
    here, so the per-secret host rules (`check_egress`) and the address policy apply to every
    protocol. docs/network.md says how each kind of client library uses it.

    `resolve` answers the addresses that may be used; `connect`/`open_connection` connect to
    exactly those (never to a second DNS answer), with TLS verified against the host NAME.
    Refusals raise EgressDenied; a name without an address raises an OSError.
    """

    def __init__(self, context: ConnectorContext) -> None:
        self._context = context

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of HOST that a connection to PORT may use, in the resolver's order."""
        bare = host.strip("[]")
        self._context.check_egress(f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}")
        policy = self._context.address_policy
        if policy is not None:
            return policy.resolve(bare, port)
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def connect(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | bool | None = None,
        timeout: float | None = None,
    ) -> socket.socket:
        """A socket connected to a vetted address of HOST (TLS when asked: True for the
        default trust, or an SSLContext); TIMEOUT is capped by the run's time limit."""
        limit = self._limit(timeout)
        failure: OSError | None = None
        for address in self.resolve(host, port):
            try:
                sock = socket.create_connection((address, port), timeout=limit)
            except OSError as exc:
                failure = exc
                continue
            if not tls:
                return sock
            try:
                return _tls_context(tls).wrap_socket(sock, server_hostname=host.strip("[]"))
            except BaseException:
                sock.close()
                raise
        raise failure or OSError(f"no address for {host}")

    async def open_connection(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | bool | None = None,
        timeout: float | None = None,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """`connect` for asyncio: streams to a vetted address of HOST (DNS in a thread)."""
        limit = self._limit(timeout)
        addresses = await asyncio.to_thread(self.resolve, host, port)
        context = _tls_context(tls) if tls else None
        failure: OSError | None = None
        for address in addresses:
            name = host.strip("[]") if context is not None else None
            opening = asyncio.open_connection(address, port, ssl=context, server_hostname=name)
            try:
                return await asyncio.wait_for(opening, limit)
            except OSError as exc:  # TimeoutError included
                failure = exc
        raise failure or OSError(f"no address for {host}")

    @contextlib.contextmanager
    def exchange(self, protocol: str, target: str, summary: str = "") -> Iterator[Exchange]:
        """Record one exchange, timed, also when it fails: fill in `status` and the bodies in
        the block; an exception sets `error` and goes on."""
        record = Exchange(protocol=protocol, target=target, summary=summary)
        started = time.perf_counter()
        try:
            yield record
        except BaseException as exc:
            record.error = str(exc) or type(exc).__name__
            raise
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            self._context.exchanges.record(record)

    def _limit(self, timeout: float | None) -> float | None:
        if not isinstance(timeout, int | float):
            timeout = None  # smtplib, poplib, ... pass socket's "default timeout" marker
        remaining = self._context.time_remaining()
        if remaining is None:
            return timeout
        return remaining if timeout is None else min(timeout, remaining)


def _tls_context(tls: ssl.SSLContext | bool) -> ssl.SSLContext:
    return tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()


__all__ = ["Network"]
