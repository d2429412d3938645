"""botocore's requests through the network door (docs/network.md).

botocore offers one public way to send a request itself: a `before-send` event handler that
returns the response. Ours sends the signed request with the HTTP connectors' transport, whose
connections go only to the addresses the door vetted (TLS still verifies the host name), after
the per-secret host rules and the address policy admitted the request's host. So the endpoint
that botocore resolved for the region (or the custom one) is checked on every request, retries
included, and botocore's own urllib3 pool is never used.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from connectorhub_sdk import ConnectorContext

from connectors.builtin.http.deadline import DEADLINE
from connectors.builtin.http.transport import DOOR, admit, pooled_transport
from connectors.secrets.hosts import host_of_url

CONNECT_TIMEOUT = 10.0  # seconds; the AWS SDK's Apache client waits 2 s, a slow VPN more
READ_TIMEOUT = 30.0  # the AWS SDK's socket timeout
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # messaging answers are small; a runaway one is cut


class Call:
    """One AWS call of a run: its context, and the headers of the last answer as received
    (botocore lowercases the names; Camunda's EventBridge result keeps them)."""

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.headers: list[tuple[str, str]] = []


# The call being made: clients are shared between runs (and threads), the handler finds the
# run's context here.
CURRENT: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "connectorhub_aws_call", default=None
)


@contextlib.contextmanager
def calling(context: ConnectorContext) -> Iterator[Call]:
    """Requests botocore sends inside the block belong to CONTEXT's run."""
    call = Call(context)
    token = CURRENT.set(call)
    try:
        yield call
    finally:
        CURRENT.reset(token)


class _Body(io.BytesIO):
    """The raw response as botocore reads it: `stream()` for parsed answers, `read()` for
    streamed ones (Lambda's payload)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
    """The `before-send` handler: REQUEST through the door of the current run."""
    call = CURRENT.get()
    if call is None:
        raise RuntimeError("an AWS client of the hub was used outside door.calling()")
    context = call.context
    url = httpx.URL(request.url)
    host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
    context.check_egress(host_of_url(request.url))
    remaining = context.time_remaining()
    deadline = None if remaining is None else time.monotonic() + remaining
    admit(context, host, port, deadline)
    transport = pooled_transport(context.address_policy, None, "configuration.endpoint")
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    timeout = httpx.Timeout(
        _capped(READ_TIMEOUT, remaining), connect=_capped(CONNECT_TIMEOUT, remaining)
    )
    outgoing = httpx.Request(
        request.method,
        url,
        headers=[(k, v) for k, v in request.headers.items()],
        content=body.encode() if isinstance(body, str) else body,
        extensions={"timeout": timeout.as_dict()},
    )
    door, limit = DOOR.set(context.network), DEADLINE.set(deadline)
    try:
        response = transport.handle_request(outgoing)
        try:
            content = _read(response)
        finally:
            response.close()
    except httpx.ConnectTimeout as exc:
        raise ConnectTimeoutError(endpoint_url=request.url, error=exc) from exc
    except httpx.TimeoutException as exc:
        raise ReadTimeoutError(endpoint_url=request.url, error=exc) from exc
    except (httpx.TransportError, OSError) as exc:
        raise EndpointConnectionError(endpoint_url=request.url, error=exc) from exc
    finally:
        DOOR.reset(door)
        DEADLINE.reset(limit)
    call.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
    return AWSResponse(request.url, response.status_code, dict(call.headers), _Body(content))


def _read(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decoded, should a server compress
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise httpx.RemoteProtocolError(f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _capped(seconds: float, remaining: float | None) -> float:
    return seconds if remaining is None else max(min(seconds, remaining), 0.001)
