"""The HTTP client of the built-in connectors: one request with Camunda's rules, sent with httpx
(Camunda's connector-commons HttpService on Apache HttpClient).

`execute(call, context)` sends an `HttpCall` and returns an `HttpReply` (any status: non-2xx is
the caller's business, see `http_error`). This module holds the request itself and its redirect
chain; the parts live beside it:

- `transport.py`: per-secret host rules and the address policy on every hop, connections only to
  the addresses the network door vetted, connection pools shared between runs;
- `deadline.py`: every blocking step ends by the run's time limit;
- `urls.py`: URL parsing, query encoding, redirect targets, the URL the trace shows;
- `decoding.py`: the body read within the response size limit;
- `errors.py`: failures as Camunda's `ConnectorException`s (docs/camunda-compat.md 3.8);
- `tls.py`: `clientTls` material and SSL contexts;
- `trace.py`: one `HttpExchange` per hop in `context.exchanges`, credentials hidden.

Redirects are followed here, not by httpx, so each hop is checked (Apache's rules: at most 50
hops, no circular redirect, POST becomes GET on 301/302/303). Nothing but the connection pool is
shared between runs: requests go straight to the pool's transport, not through an
`httpx.Client`, whose cookie jar would carry one run's cookies into the next (and whose auth,
redirect and cookie machinery cost a fifth of a local request). Cookies set during one call's
redirect chain are sent on its later hops, as a fresh client per request does.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
from connectorhub_sdk import (
    ConnectorContext,
    ConnectorError,
    HttpExchange,
    no_redaction,
)

from connectors.secrets.hosts import host_of_url

from .deadline import DEADLINE
from .decoding import max_response_bytes, read_body
from .errors import mapped_error
from .tls import TlsMaterial
from .trace import trace_body, trace_headers
from .transport import DOOR, transport_for
from .urls import masked_url, origin, parse_url, query_text, redirect_target, shown_url, with_query

MAX_REDIRECTS = 50  # Apache HttpClient's default, which Camunda uses
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# httpx logs every request URL at INFO; a URL may carry an API key in its query, and the run's
# trace (redacted) already shows each exchange.
logging.getLogger("httpx").setLevel(logging.WARNING)


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
        return [(key, masked_url(value, self.redact)) for key, value in self.headers]

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((value for key, value in self.headers if key.lower() == lower), None)

    def text(self, encoding: str = "utf-8") -> str:
        return self.content.decode(encoding, errors="replace")


def execute(call: HttpCall, context: ConnectorContext) -> HttpReply:
    """Send CALL, following redirects when asked; raises ConnectorError/ConnectorInputError."""
    method = call.method.upper()
    redact = context.redact
    url = with_query(parse_url(call.url, call.url_field, redact), query_text(call.query))
    url_text = str(url)  # httpx builds the text anew on each str()
    shown = shown_url(call.url, call.query, url_text, redact)
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
        target = redirect_target(url, location, redact)
        shown = masked_url(str(target), redact)
        if str(target) in visited:
            raise ConnectorError(
                "500", f"An error with the HTTP protocol occurred: circular redirect to {shown}"
            )
        visited.add(str(target))
        if reply.status in (301, 302, 303) and method not in ("GET", "HEAD"):
            method, content = "GET", None
            headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
        if origin(target) != origin(url):
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
    transport = transport_for(context, host, port, deadline, call.tls, call.url_field)
    timeout = _timeout(call, context)
    exchange = HttpExchange(
        method=method, url=shown, request_body=trace_body(content, call.sensitive_fields)
    )
    started = time.perf_counter()
    token = DOOR.set(context.network)
    deadline_token = DEADLINE.set(deadline)
    sent = False
    try:
        request = _request(method, url, headers, content, timeout, jar)
        reply = _receive(transport, request, url_text, jar, context.redact)
        sent = True
    except httpx.HTTPError as exc:
        error = mapped_error(exc, host, port, timeout)
        exchange.error = error.message
        raise error from None
    except ConnectorError as error:
        exchange.error = error.message
        raise
    finally:
        DOOR.reset(token)
        DEADLINE.reset(deadline_token)
        if not sent:  # the headers it was to send; once sent, those on the wire (below)
            exchange.request_headers = trace_headers(headers)
        exchange.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        context.exchanges.record(exchange)
    exchange.request_headers = trace_headers(list(_sent_headers(request)))
    exchange.status = reply.status
    exchange.response_headers = trace_headers(reply.shown_headers)
    exchange.response_body = trace_body(reply.content, call.sensitive_fields)
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
# codings read_body decodes: httpx's would add br and zstd once brotli or zstandard is
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
        content = read_body(response, max_response_bytes())
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


def _sent_headers(request: httpx.Request) -> Iterator[tuple[str, str]]:
    for key, value in request.headers.raw:
        yield key.decode("latin-1"), value.decode("latin-1")


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


__all__ = [
    "MAX_REDIRECTS",
    "HttpCall",
    "HttpReply",
    "TlsMaterial",
    "execute",
]
