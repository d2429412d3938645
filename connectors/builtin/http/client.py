"""The HTTP client of the built-in connectors: one request, Camunda's error mapping, the egress
policy on every hop, every exchange recorded.

`execute(call, context)` sends an `HttpCall` with httpx and returns an `HttpReply` (any status:
non-2xx is the caller's business, see `http_error`). What it adds to plain httpx:

- per-secret host rules (`context.check_egress`) and the address policy
  (`context.address_policy`) on the first request and on every redirect hop; connections are
  opened to the addresses the network door (`context.network.resolve`) vetted
  (`_PinnedBackend`), so a second DNS answer cannot point the request elsewhere;
- redirects followed here, not by httpx, so each hop is checked (Apache's rules: at most 50
  hops, no circular redirect, POST becomes GET on 301/302/303);
- timeouts from the inputs, capped by the run's time limit;
- failures turned into Camunda's `ConnectorException`s (docs/camunda-compat.md 3.8);
- one `HttpExchange` per hop in `context.exchanges`.

Connection pools are kept per (policy, TLS material), so connections are reused between runs:
Camunda builds a client per request, which costs a TCP (and TLS) handshake each time. Nothing
else is shared between runs: requests go straight to the pool's transport, not through an
`httpx.Client`, whose cookie jar would carry one run's cookies into the next (and whose auth,
redirect and cookie machinery cost a fifth of a local request). Cookies set during one call's
redirect chain are sent on its later hops, as a fresh client per request does.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import ipaddress
import logging
import os
import ssl
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, unquote_plus, urlencode

import httpcore
import httpx
from connectorhub_sdk import (
    AddressPolicy,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    HttpExchange,
    Network,
    no_redaction,
)

from connectors.network.policy import EgressPolicy, HostNotResolved
from connectors.secrets.hosts import host_of_url

from .pem import normalize_pem

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

MAX_REDIRECTS = 50  # Apache HttpClient's default, which Camunda uses
DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024  # Camunda's CONNECTOR_HTTP_CLIENT_MAX_BODY_SIZE
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_CLIENTS = 16

# httpx logs every request URL at INFO; a URL may carry an API key in its query, and the run's
# trace (redacted) already shows each exchange.
logging.getLogger("httpx").setLevel(logging.WARNING)

READ_TIMEOUT_MESSAGE = (
    "The request timed out. Please try increasing the read and connection timeouts."
)


@dataclass(frozen=True)
class TlsMaterial:
    """mTLS and trust settings (the REST template's `clientTls`), PEM texts."""

    client_certificate: str | None = None
    client_private_key: str | None = None
    private_key_password: str | None = None
    trusted_certificate: str | None = None

    @property
    def has_identity(self) -> bool:
        return bool(self.client_certificate and self.client_private_key)

    @property
    def is_configured(self) -> bool:
        return self.has_identity or bool(self.trusted_certificate)

    def key(self) -> str:
        parts = (
            self.client_certificate,
            self.client_private_key,
            self.private_key_password,
            self.trusted_certificate,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()


@dataclass
class HttpCall:
    """One request as the connectors describe it; `execute` sends it."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    content: bytes | None = None
    connect_timeout: float | None = 20.0
    read_timeout: float | None = 20.0
    follow_redirects: bool = False
    tls: TlsMaterial | None = None
    url_field: str = "url"
    # the trace shows `***` instead of these request-body and response-body values (OAuth)
    sensitive_fields: tuple[str, ...] = ()


@dataclass
class HttpReply:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    content: bytes
    url: str
    # the run's secret masking (ConnectorContext.redact), for shown_headers
    redact: Callable[[str], str] = field(default=no_redaction, repr=False)

    @functools.cached_property
    def shown_headers(self) -> list[tuple[str, str]]:
        """The headers for results and the trace: a server that echoes the request URL (a
        redirect's Location) writes a secret in it in httpx's spelling, which is masked here;
        `headers` keeps the values as received (a redirect is followed to the real one)."""
        return [(key, _masked_url(value, self.redact)) for key, value in self.headers]

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((value for key, value in self.headers if key.lower() == lower), None)

    def text(self, encoding: str = "utf-8") -> str:
        return self.content.decode(encoding, errors="replace")


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------


def execute(call: HttpCall, context: ConnectorContext) -> HttpReply:
    """Send CALL, following redirects when asked; raises ConnectorError/ConnectorInputError."""
    method = call.method.upper()
    redact = context.redact
    url = _with_query(_parse_url(call.url, call.url_field, redact), _query_text(call.query))
    url_text = str(url)  # httpx builds the text anew on each str()
    shown = _shown_url(call, url_text, redact)
    headers = list(call.headers)
    content = call.content
    visited = {url_text}
    # cookies live for this call's redirect chain only, as with a client per request
    jar = httpx.Cookies() if call.follow_redirects else None
    for _hop in range(MAX_REDIRECTS + 1):
        reply = _send_once(method, url, shown, headers, content, call, context, jar)
        location = reply.header("location")
        if not (call.follow_redirects and reply.status in REDIRECT_STATUSES and location):
            return reply
        target = _redirect_target(url, location, redact)
        shown = _masked_url(str(target), redact)
        if str(target) in visited:
            raise ConnectorError(
                "500", f"An error with the HTTP protocol occurred: circular redirect to {shown}"
            )
        visited.add(str(target))
        if reply.status in (301, 302, 303) and method not in ("GET", "HEAD"):
            method, content = "GET", None
            headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
        if _origin(target) != _origin(url):
            # credentials meant for one site are not handed to the next one
            headers = [(k, v) for k, v in headers if k.lower() not in _CREDENTIAL_HEADERS]
        url = target
    raise ConnectorError(
        "500",
        f"An error with the HTTP protocol occurred: more than {MAX_REDIRECTS} redirects",
    )


_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _send_once(
    method: str,
    url: httpx.URL,
    shown: str,
    headers: list[tuple[str, str]],
    content: bytes | None,
    call: HttpCall,
    context: ConnectorContext,
    jar: httpx.Cookies | None = None,
) -> HttpReply:
    host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
    url_text = str(url)  # httpx builds the text anew on each str()
    context.check_egress(host_of_url(url_text))
    remaining = context.time_remaining()
    deadline = None if remaining is None else time.monotonic() + remaining
    _admit(context, host, port, deadline)
    transport = _transport(context.address_policy, call.tls, call.url_field)
    timeout = _timeout(call, context)
    exchange = HttpExchange(
        method=method, url=shown, request_body=_trace_body(content, call.sensitive_fields)
    )
    started = time.perf_counter()
    token = _DOOR.set(context.network)
    deadline_token = _DEADLINE.set(deadline)
    sent = False
    try:
        request = _request(method, url, headers, content, timeout, jar)
        reply = _receive(transport, request, url_text, jar, context.redact)
        sent = True
    except httpx.HTTPError as exc:
        error = _mapped_error(exc, host, port, timeout)
        exchange.error = error.message
        raise error from None
    except ConnectorError as error:
        exchange.error = error.message
        raise
    finally:
        _DOOR.reset(token)
        _DEADLINE.reset(deadline_token)
        if not sent:  # the headers it was to send; once sent, those on the wire (below)
            exchange.request_headers = _trace_headers(headers)
        exchange.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        context.exchanges.record(exchange)
    exchange.request_headers = _trace_headers(list(_sent_headers(request)))
    exchange.status = reply.status
    exchange.response_headers = _trace_headers(reply.shown_headers)
    exchange.response_body = _trace_body(reply.content, call.sensitive_fields)
    return reply


def _request(
    method: str,
    url: httpx.URL,
    headers: list[tuple[str, str]],
    content: bytes | None,
    timeout: httpx.Timeout,
    jar: httpx.Cookies | None,
) -> httpx.Request:
    """The request httpx.Client.build_request makes: its default headers, overridden by ours
    (as Headers.update does: a default whose name we send, in any case, is left out)."""
    ours = {name.lower() for name, _ in headers}
    merged = [item for item in _DEFAULT_HEADERS if item[0].lower() not in ours]
    merged += headers
    return httpx.Request(
        method,
        url,
        headers=merged,
        content=content,
        cookies=jar or None,
        extensions={"timeout": timeout.as_dict()},
    )


# httpx.Client's default headers (Accept, Accept-Encoding, Connection, User-Agent) as written,
# read from a client that has no network transport of its own. Accept-Encoding names the
# codings _read_body decodes: httpx's would add br and zstd once brotli or zstandard is
# installed, and those bodies would arrive undecoded.
_DEFAULT_HEADERS: list[tuple[str, str]] = [
    (name.decode("ascii"), "gzip, deflate" if name == b"Accept-Encoding" else value.decode("ascii"))
    for name, value in httpx.Client(transport=httpx.BaseTransport(), trust_env=False).headers.raw
]


def _receive(
    transport: httpx.BaseTransport,
    request: httpx.Request,
    url: str,
    jar: httpx.Cookies | None,
    redact: Callable[[str], str],
) -> HttpReply:
    response = transport.handle_request(request)
    response.request = request
    try:
        content = _read_body(response, max_response_bytes())
    finally:
        response.close()
    if jar is not None and "set-cookie" in response.headers:
        jar.extract_cookies(response)
    return HttpReply(
        status=response.status_code,
        reason=response.reason_phrase,
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
        content=content,
        url=url,
        redact=redact,
    )


def _read_body(response: httpx.Response, limit: int) -> bytes:
    """The body, decoded here rather than by httpx: httpx inflates each chunk it receives in
    one go, so a few kilobytes of `Content-Encoding: gzip, gzip` became gigabytes before any
    limit could count them. Every decoder here hands out at most PIECE bytes at a time, and the
    bytes received and each decoded layer stop at LIMIT."""
    decoders = _decoders(response.headers.get_list("content-encoding", split_commas=True))
    received, decoded = _Budget(limit), _Budget(limit)
    chunks: list[bytes] = []
    if not decoders:  # the common case: what is received is the body
        for raw in response.iter_raw():
            received.take(len(raw))
            chunks.append(raw)
        return b"".join(chunks)
    for raw in response.iter_raw():
        received.take(len(raw))
        for piece in _decoded(decoders, raw):
            decoded.take(len(piece))
            chunks.append(piece)
    for index, decoder in enumerate(decoders):
        for flushed in decoder.flush():
            for piece in _decoded(decoders[index + 1 :], flushed):
                decoded.take(len(piece))
                chunks.append(piece)
    return b"".join(chunks)


class _Budget:
    """Bytes counted against CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ConnectorError(
                "500",
                "Error while executing an HTTP request: the response body is larger than "
                f"{self.limit} bytes (CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES)",
            )


MAX_CODINGS = 3  # content codings decoded in turn (`gzip, gzip`); one is the normal case
PIECE = 64 * 1024  # the most any decoder hands out at once


def _decoders(codings: list[str]) -> list[_Inflate]:
    """Decoders for the codings httpx itself decodes (gzip, deflate; x-gzip as Apache reads
    it), in decoding order (the last coding applied first). Others (identity, an unknown
    coding) are left as they are, as httpx and Apache leave them."""
    known = [c.strip().lower() for c in codings if c.strip().lower() in _WBITS]
    if len(known) > MAX_CODINGS:
        raise ConnectorError(
            "500",
            f"Error while executing an HTTP request: the response has {len(known)} content "
            f"codings (Content-Encoding: {', '.join(codings)}); at most {MAX_CODINGS} are decoded",
        )
    return [_Inflate(coding) for coding in reversed(known)]


def _decoded(decoders: Sequence[_Inflate], data: bytes) -> Iterator[bytes]:
    """DATA through DECODERS in turn, piece by piece: no layer holds more than PIECE bytes."""
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].decode(data):
        yield from _decoded(decoders[1:], piece)


_WBITS = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,  # zlib format; raw deflate is tried when that fails (below)
}


class _Inflate:
    """gzip or deflate, with zlib's `max_length` so that no call inflates more than PIECE."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._inflater = zlib.decompressobj(_WBITS[coding])
        # servers send raw deflate as `deflate` too; httpx and Apache accept both
        self._may_be_raw = coding == "deflate"

    def decode(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                piece = self._inflater.decompress(data, PIECE)
            except zlib.error as exc:
                if not self._may_be_raw:
                    raise self._error(exc) from None
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._may_be_raw = False
                continue
            self._may_be_raw = False
            data = self._inflater.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < PIECE:
                return  # a full piece may leave more output without more input

    def flush(self) -> Iterator[bytes]:
        yield from self.decode(b"")
        try:
            rest = self._inflater.flush()
        except zlib.error as exc:
            raise self._error(exc) from None
        if rest:
            yield rest

    def _error(self, exc: zlib.error) -> ConnectorError:
        return ConnectorError(
            "500",
            f"An error with the HTTP protocol occurred: cannot decode the {self.coding} "
            f"response body ({exc})",
        )


def _sent_headers(request: httpx.Request) -> Iterator[tuple[str, str]]:
    for key, value in request.headers.raw:
        yield key.decode("latin-1"), value.decode("latin-1")


def max_response_bytes() -> int:
    """CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES from Django settings when configured, else the
    environment (the connectors also run outside the hub, in a user's pyzeebe app)."""
    try:
        from django.conf import settings

        if settings.configured:
            return int(settings.CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES)
    except (ImportError, AttributeError):
        pass
    raw = os.environ.get("CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES", "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_MAX_RESPONSE_BYTES


# --------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------


def _parse_url(text: str, field_name: str, redact: Callable[[str], str]) -> httpx.URL:
    problem = "it must start with http:// or https:// and name a host"
    try:
        url = _url(text.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConnectorInputError(
            f"Invalid URL: the URL '{redact(text)}' cannot be parsed as a valid HTTP request URL "
            f"({redact(str(exc))})",
            field=field_name,
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConnectorInputError(
            f"Invalid URL: the URL '{redact(text)}' cannot be parsed as a valid HTTP request URL; "
            + problem,
            field=field_name,
        )
    return url


@functools.lru_cache(maxsize=256)
def _url(text: str) -> httpx.URL:
    """httpx.URL(TEXT), parsed once per text: parsing cost as much as the rest of preparing a
    request, and a URL object is immutable (copy_with and join make new ones)."""
    return httpx.URL(text)


def _query_text(query: Sequence[tuple[str, str]], safe: str = "") -> str:
    """Parameters form-encoded (space as `+`), as Apache's URIBuilder writes them."""
    return urlencode(list(query), safe=safe)


def _with_query(url: httpx.URL, query: str) -> httpx.URL:
    """QUERY (encoded) is appended to the URL's own query, as Apache's URIBuilder does."""
    if not query:
        return url
    existing = url.query.decode("ascii")
    return url.copy_with(query=(f"{existing}&{query}" if existing else query).encode("ascii"))


def _shown_url(call: HttpCall, url_text: str, redact: Callable[[str], str]) -> str:
    """URL as the run records it, built from the URL text and the parameters with the run's
    secrets masked before they are encoded: httpx writes a space in a path as %20 and keeps
    `'!*();:@,$~` as they are, a spelling of the secret the runtime's masking cannot know."""
    text = call.url.strip()
    masked = redact(text)
    pairs = [(redact(name), redact(value)) for name, value in call.query]
    if masked == text and pairs == list(call.query):
        return _masked_url(url_text, redact)
    # a masked pair keeps its mask readable (`key=***`, not `key=%2A%2A%2A`)
    query = "&".join(
        _query_text([shown], safe="*" if shown != pair else "")
        for shown, pair in zip(pairs, call.query, strict=True)
    )
    try:
        return _masked_url(str(_with_query(httpx.URL(masked), query)), redact)
    except (httpx.InvalidURL, TypeError, ValueError):  # the mask where a host or port was
        return f"{masked}{'&' if '?' in masked else '?'}{query}" if query else masked


def _masked_url(text: str, redact: Callable[[str], str]) -> str:
    """TEXT (an encoded URL: a redirect's target, a Location header) with the run's secrets
    masked, also where percent-encoding hides one from the masking: then it is shown decoded."""
    masked = redact(text)
    if "%" not in masked and "+" not in masked:
        return masked
    for decode in (unquote, unquote_plus):
        plain = decode(masked)
        hidden = redact(plain)
        if hidden != plain:
            return hidden
    return masked


def _redirect_target(url: httpx.URL, location: str, redact: Callable[[str], str]) -> httpx.URL:
    try:
        target = url.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConnectorError(
            "500",
            "An error with the HTTP protocol occurred: bad redirect location "
            f"({_masked_url(str(exc), redact)})",
        ) from None
    if target.scheme not in ("http", "https") or not target.host:
        raise ConnectorError(
            "500",
            "An error with the HTTP protocol occurred: redirect to a non-HTTP URL "
            + _masked_url(str(target), redact),
        )
    return target


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


# --------------------------------------------------------------------------------------------
# Timeouts and errors
# --------------------------------------------------------------------------------------------


def _timeout(call: HttpCall, context: ConnectorContext) -> httpx.Timeout:
    """0 or None means no limit (Camunda), but never beyond the run's own time limit."""
    remaining = context.time_remaining()

    def cap(seconds: float | None) -> float | None:
        limit = seconds if seconds else None
        if remaining is None:
            return limit
        return remaining if limit is None else min(limit, remaining)

    connect, read = cap(call.connect_timeout), cap(call.read_timeout)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _mapped_error(
    exc: httpx.HTTPError, host: str, port: int, timeout: httpx.Timeout
) -> ConnectorError | ConnectorInputError:
    """Camunda's ConnectorExceptionMapper, with messages that say what went wrong."""
    tls = _tls_cause(exc)
    if tls is not None:
        return ConnectorError("SSL_HANDSHAKE_FAILED", f"TLS handshake failed: {tls}")
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectorError(
            "408",
            f"Could not connect to {host}:{port} within {timeout.connect:g} s. Please try "
            "increasing the connection timeout.",
        )
    if isinstance(exc, httpx.TimeoutException):
        return ConnectorError("408", READ_TIMEOUT_MESSAGE)
    if isinstance(exc, httpx.ConnectError):
        return ConnectorError("408", f"Could not connect to {host}:{port}: {_reason(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return ConnectorError("500", f"An error with the HTTP protocol occurred: {_reason(exc)}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConnectorInputError(f"Invalid URL: {exc}", field="url")
    if isinstance(exc, httpx.TooManyRedirects | httpx.DecodingError):
        return ConnectorError("500", f"An error with the HTTP protocol occurred: {_reason(exc)}")
    return ConnectorError(
        "408",
        "An error occurred while executing the request, or the connection was aborted: "
        + _reason(exc),
    )


def _tls_cause(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return getattr(seen, "verify_message", None) or seen.reason or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: BaseException) -> str:
    """The innermost readable reason (`[Errno 111] Connection refused`)."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not text:
        text = str(cause)
        cause = cause.__cause__ or cause.__context__
    return text or type(exc).__name__


# --------------------------------------------------------------------------------------------
# Connections: pinned addresses, TLS, client reuse
# --------------------------------------------------------------------------------------------

# The network door of the run whose request is being sent: the connection pool's backend
# (`_PinnedBackend`) opens connections through it.
_DOOR: contextvars.ContextVar[Network | None] = contextvars.ContextVar(
    "connectorhub_http_door", default=None
)


def _admit(context: ConnectorContext, host: str, port: int, deadline: float | None) -> None:
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
            _by_deadline(
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


# --------------------------------------------------------------------------------------------
# The run's time limit: every blocking step of a request ends by it
# --------------------------------------------------------------------------------------------

# time.monotonic() by which the request being sent must end (the run's time limit), or None.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
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
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the run's time limit was reached")
    return remaining if timeout is None else min(timeout, remaining)


def _by_deadline(
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


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        sock = self._inner.get_extra_info("socket")
        if _DEADLINE.get() is None or sock is None:
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
        deadline = _DEADLINE.get()
        if deadline is None:
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

        def expired() -> Exception:
            self._inner.close()  # ends the abandoned handshake
            return httpcore.ConnectTimeout("TLS handshake not finished in time")

        secured = _by_deadline(
            lambda: self._inner.start_tls(ssl_context, server_hostname, timeout),
            deadline,
            expired,
            lambda stream: stream.close(),
        )
        return _DeadlineStream(secured)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


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
        door, deadline = _DOOR.get(), _DEADLINE.get()  # context variables: read them here

        def connect() -> httpcore.NetworkStream:
            return self._connect(host, port, timeout, local_address, socket_options, door)

        if deadline is None:
            return _DeadlineStream(connect())
        stream = _by_deadline(
            connect,
            deadline,
            lambda: httpcore.ConnectTimeout(f"Could not connect to {host}:{port} in time"),
            lambda late: late.close(),
        )
        return _DeadlineStream(stream)

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


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        # httpx has no public way to choose httpcore's network backend; the pool it builds in
        # __init__ is replaced by an identical one that uses ours (httpx 0.28 pinned).
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=5.0,
            network_backend=_PinnedBackend(),
        )


_clients: OrderedDict[tuple[Any, str], _PinnedTransport] = OrderedDict()
_clients_lock = threading.Lock()


def _transport(
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
    transport = _PinnedTransport(_ssl_context(tls if tls_key else None, field_name))
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


def _ssl_context(tls: TlsMaterial | None, field_name: str) -> ssl.SSLContext:
    """Default trust (certifi, as httpx) unless a trusted certificate replaces it, as Camunda's
    ClientTlsFactory does; the client identity from PEM texts."""
    if tls is None:
        return httpx.create_ssl_context()
    try:
        if tls.trusted_certificate:
            context = ssl.create_default_context(cadata=normalize_pem(tls.trusted_certificate))
        else:
            context = httpx.create_ssl_context()
        if tls.has_identity:
            _load_identity(context, tls)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise ConnectorInputError(
            f"Failed to build SSL context for mTLS: {_reason(exc)}", field="clientTls"
        ) from None
    return context


def _load_identity(context: ssl.SSLContext, tls: TlsMaterial) -> None:
    # ssl reads certificates and keys only from files: a private directory, removed at once
    with tempfile.TemporaryDirectory(prefix="connectorhub-tls-") as folder:
        cert = Path(folder) / "cert.pem"
        key = Path(folder) / "key.pem"
        for path, text in ((cert, tls.client_certificate), (key, tls.client_private_key)):
            path.touch(mode=0o600)
            path.write_text(normalize_pem((text or "").strip()) + "\n")
        context.load_cert_chain(cert, key, password=tls.private_key_password or None)


def close_clients() -> None:
    """Close every shared connection pool (tests, shutdown)."""
    with _clients_lock:
        for transport in _clients.values():
            transport.close()
        _clients.clear()


# --------------------------------------------------------------------------------------------
# The trace
# --------------------------------------------------------------------------------------------


def _trace_headers(headers: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Headers for the run page; credentials the hub made itself (OAuth tokens, Basic) are
    shown as `<scheme> ***` (secrets from the store are masked by the runtime anyway)."""
    shown: dict[str, Any] = {}
    for key, value in headers:
        if key.lower() in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} ***".strip()
        if key in shown:
            previous = shown[key]
            shown[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            shown[key] = value
    return shown


def _trace_body(content: bytes | None, sensitive: Sequence[str]) -> str | None:
    if content is None:
        return None
    text = content.decode("utf-8", errors="replace")
    if sensitive:
        text = _mask_fields(text, sensitive)
    return text


def _mask_fields(text: str, names: Sequence[str]) -> str:
    """Hide form fields and JSON string fields such as client_secret and access_token."""
    import re

    for name in names:
        text = re.sub(rf'("{re.escape(name)}"\s*:\s*")[^"]*(")', r"\1***\2", text)
        text = re.sub(rf"((?:^|&){re.escape(name)}=)[^&]*", r"\1***", text)
    return text


__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_REDIRECTS",
    "HttpCall",
    "HttpReply",
    "TlsMaterial",
    "close_clients",
    "ends_by_deadline",
    "execute",
    "max_response_bytes",
]
