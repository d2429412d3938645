"""The run's time limit inside a request: every blocking step (connecting, a DNS lookup, a TLS
handshake, each read and write) ends by the run's deadline, so a connector whose requests all go
through `client.execute` needs no thread of its own to be stopped in time."""

from __future__ import annotations

import contextvars
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpcore

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# time.monotonic() by which the request being sent must end (the run's time limit), or None.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "connectorhub_http_deadline", default=None
)


def ends_by_deadline(function: F) -> F:
    """Mark a connector function whose requests all go through `execute`: it ends by its
    context's deadline on its own, so the runtime may call it without a thread of its own
    (docs/runtime.md, Performance)."""
    function.ends_by_deadline = True  # type: ignore[attr-defined]
    return function


def _capped(timeout: float | None, expired: type[Exception]) -> float | None:
    """TIMEOUT for one socket operation, cut to what is left before the deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the run's time limit was reached")
    return remaining if timeout is None else min(timeout, remaining)


def by_deadline(
    call: Callable[[], T],
    deadline: float,
    expired: Callable[[], Exception],
    discard: Callable[[T], None] | None = None,
) -> T:
    """CALL on a helper thread, waited for until DEADLINE: for the steps whose time no socket
    timeout bounds (a DNS lookup, a TLS handshake of several reads). What an abandoned call
    still returns is handed to DISCARD (a connection to close)."""
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def target() -> None:
        try:
            value = call()
        except BaseException as exc:  # handed back to the waiting thread
            box["error"] = exc
            return
        with lock:
            if box.get("abandoned") and discard is not None:
                discard(value)
            box["value"] = value

    thread = threading.Thread(target=target, name="connector-connect", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        if thread.is_alive():
            box["abandoned"] = True
            raise expired()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        sock = self._inner.get_extra_info("socket")
        if DEADLINE.get() is None or sock is None:
            self._inner.write(buffer, timeout)
            return
        # one send at a time, each capped: a write of the inner stream keeps one timeout for
        # all its sends, which a slow reader could stretch past the deadline
        while buffer:
            sock.settimeout(_capped(timeout, httpcore.WriteTimeout))
            try:
                sent = sock.send(buffer)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out") from None
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from exc
            buffer = buffer[sent:]

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        deadline = DEADLINE.get()
        if deadline is None:
            return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

        def expired() -> Exception:
            self._inner.close()  # ends the abandoned handshake
            return httpcore.ConnectTimeout("TLS handshake not finished in time")

        secured = by_deadline(
            lambda: self._inner.start_tls(ssl_context, server_hostname, timeout),
            deadline,
            expired,
            lambda stream: stream.close(),
        )
        return DeadlineStream(secured)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
