"""Offline replay: a run whose exchanges are answered from a recording, with no connection.

A replayed run gets a `ReplayPolicy` as its address policy (`context.address_policy`). It is
the network door's policy, so every way out is closed at one place:

- `resolve` refuses every host (`ReplayRefused`): `network.connect`, `open_connection` and
  the HTTP client's connection pool all ask it before they open a socket, so nothing opens
  one (a connector that does not replay fails with that message, never goes live);
- the HTTP client (`connectors.builtin.http.transport.transport_for`) asks the policy for
  its transport instead of the connection pool: `ReplayTransport` answers each request from
  the recording, or fails the run with the differences from the closest recorded request;
- the SQL connector asks `answer_sql` for the recorded rows (connector-level replay).

A request that matches nothing is remembered in `problems`; the adapter fails the run with
it whatever the connector or its error expression made of the exception (`failed_by_replay`),
so a mismatch can never pass as an expected error. Secrets the run may not read (or that
this hub does not have: a suite checked out elsewhere) get a stand-in value
(`ReplaySecrets`): nothing leaves the machine, and the recording holds `***` for any value.

Camunda has no counterpart (its connectors always call out); the recording format is in
`connectors.network.recording`. No Django here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
from connectorhub_sdk import ConnectorError, EgressDenied

from connectors.network.recording import (
    WIRE_HEADERS,
    Redact,
    check_recording,
    describe,
    differences,
    http_parts,
    request_of,
    sql_parts,
)
from connectors.secrets import SecretError, SecretProvider
from connectors.secrets.providers import describe_secret, host_rule, owner_rule

STAND_IN = "replayed-secret-{name}"


class ReplayRefused(EgressDenied):
    """A connection asked for during an offline replay (an input error: 0 retries)."""


class ReplayMismatch(ConnectorError):
    """A request the recording has no answer for; the run fails with this message."""

    def __init__(self, message: str) -> None:
        super().__init__("REPLAY_MISMATCH", message)


class ReplayPolicy:
    """The address policy of an offline replay: answers from RECORDING, connects nowhere."""

    def __init__(self, recording: dict[str, Any]) -> None:
        self.entries: list[dict[str, Any]] = list(check_recording(recording)["exchanges"])
        self.used: set[int] = set()
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def resolve(self, host: str, port: int) -> list[str]:
        message = (
            f"Offline replay opens no connection: the connection to {host}:{port} was refused. "
            "This run answers from its recording; this connector (or this kind of "
            "connection) does not replay, so run it live."
        )
        self.note(message)
        raise ReplayRefused(message)

    def http_transport(self, redact: Redact) -> ReplayTransport:
        return ReplayTransport(self, redact)

    def find(self, protocol: str, live: dict[str, Any], redact: Redact, shown: str) -> Any:
        """The recorded entry matching LIVE (the first unused one, else the last used one:
        a request made again, as a poll, gets the same answer); ReplayMismatch otherwise."""
        with self._lock:
            candidates = [
                (index, entry)
                for index, entry in enumerate(self.entries)
                if _kind(entry["protocol"]) == _kind(protocol)
            ]
            matching = [i for i, e in candidates if not differences(request_of(e, redact), live)]
            unused = [i for i in matching if i not in self.used]
            if unused or matching:
                index = unused[0] if unused else matching[-1]
                self.used.add(index)
                return self.entries[index]
            message = _mismatch(shown, candidates, live, redact)
            self.problems.append(message)
        raise ReplayMismatch(message)

    def answer_sql(
        self, protocol: str, target: str, statement: str, parameters: Any, redact: Redact
    ) -> Any:
        """The recorded result of STATEMENT (`{"resultSet": …}` / `{"modifiedRows": n}`), or
        the recorded error as the connector raises it."""
        live = sql_parts(target, statement, parameters, redact)
        entry = self.find(protocol, live, redact, f"{protocol} {target}: {live['statement']}")
        _wait(entry, None)
        if entry.get("error"):
            raise ConnectorError(None, str(entry["error"]))
        result = (entry.get("response") or {}).get("result")
        if not isinstance(result, dict):
            message = (
                f"The recording of `{live['statement'][:80]}` holds no result to replay (it was "
                "too large to record, or was removed); edit it or run live"
            )
            self.note(message)
            raise ReplayMismatch(message)
        return result

    def note(self, message: str) -> None:
        """Remember MESSAGE: the run fails with it whatever the connector made of it."""
        with self._lock:
            self.problems.append(message)


class ReplayTransport(httpx.BaseTransport):
    """An httpx transport that answers from the replay's recording and opens no connection."""

    def __init__(self, policy: ReplayPolicy, redact: Redact) -> None:
        self.policy = policy
        self.redact = redact

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = _headers(request.headers.raw)
        content = request.read()
        body = content.decode("utf-8", errors="replace") if content else None
        url = str(request.url)
        live = http_parts(request.method, url, headers, body, self.redact)
        entry = self.policy.find("http", live, self.redact, _shown(live))
        timeout = (request.extensions.get("timeout") or {}).get("read")
        _wait(entry, timeout)
        error = entry.get("error")
        if error:
            raise httpx.ConnectError(str(error), request=request)
        if entry.get("response_truncated"):
            message = (
                f"The recorded response of {describe(entry)} was cut at 64 KiB when it was "
                "stored; replaying it would not give the same result. Edit it or run live."
            )
            self.policy.note(message)
            raise ReplayMismatch(message)
        response = entry["response"]
        return httpx.Response(
            int(response["status"]),
            headers=[
                (name, value)
                for name, values in (response.get("headers") or {}).items()
                if name.lower() not in WIRE_HEADERS
                for value in (values if isinstance(values, list) else [values])
            ],
            # a stream, as from a server: the client reads it within its size limit
            stream=httpx.ByteStream((response.get("body") or "").encode()),
            request=request,
        )


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The request's headers as the trace records them (connectors.builtin.http.trace): a
    repeated name as a list, credentials as their scheme only."""
    found: dict[str, list[str]] = {}
    for key, value in raw:
        name, text = key.decode("latin-1"), value.decode("latin-1")
        if name.lower() in ("authorization", "proxy-authorization"):
            text = f"{text.split(' ', 1)[0]} ***" if " " in text else "***"
        found.setdefault(name, []).append(text)
    return {name: values[0] if len(values) == 1 else values for name, values in found.items()}


def _shown(live: dict[str, Any]) -> str:
    """The request as a mismatch names it, from its masked parts (never the raw URL, where a
    secret may hide in an encoding the masking does not know)."""
    query = "&".join(f"{name}={value}" for name, value in live["query"])
    return f"{live['method']} {live['origin']}{live['path']}{'?' + query if query else ''}"


def _wait(entry: dict[str, Any], timeout: float | None) -> None:
    """The recorded latency; past the read TIMEOUT the request times out, as a slow server's."""
    latency = float(entry.get("latency_ms") or 0) / 1000
    if timeout is not None and latency > timeout:
        time.sleep(timeout)
        raise httpx.ReadTimeout("timed out (replayed latency)")
    if latency:
        time.sleep(latency)


def _kind(protocol: str) -> str:
    return "http" if protocol in ("http", "https") else protocol


def _mismatch(
    shown: str, candidates: list[tuple[int, dict[str, Any]]], live: dict[str, Any], redact: Redact
) -> str:
    """The message of a request no recorded one matches: the closest one and how it differs."""
    if not candidates:
        return f"Offline replay: the recording has no exchange of this kind for {shown}"
    scored = [(differences(request_of(e, redact), live), i, e) for i, e in candidates]
    lines, index, entry = min(scored, key=lambda item: (_weight(item[0]), item[1]))
    return (
        f"Offline replay: no recorded exchange matches {shown}. The closest recorded one "
        f"(exchange {index + 1}, {describe(entry)}) differs in: " + "; ".join(lines)
    )


def _weight(lines: list[str]) -> int:
    # a different method, origin or path outweighs any number of query or header differences
    heavy = sum(10 for line in lines if line.split(":")[0] in ("method", "origin", "path"))
    return heavy + len(lines)


# --------------------------------------------------------------------------------------------
# Secrets during a replay
# --------------------------------------------------------------------------------------------


class ReplaySecrets:
    """The run's secrets provider, with a stand-in value for each secret it does not give.

    A replay contacts nobody, so a secret's value matters only to a connector that reads it
    (a URI in a secret); whatever the value, the run's masking hides it (`***`), which is how
    the recording holds it. Host rules and "borrowed" marks are the provider's."""

    label = "offline replay"

    def __init__(self, provider: SecretProvider) -> None:
        self.provider = provider
        self._hosts = host_rule(provider)
        self._borrowed = owner_rule(provider)

    def get(self, name: str) -> str | None:
        try:
            value = self.provider.get(name)
        except SecretError:
            value = None
        return value if value is not None else STAND_IN.format(name=name)

    def allowed_hosts(self, name: str) -> Sequence[str]:
        return list(self._hosts(name)) if self._hosts is not None else []

    def borrowed(self, name: str) -> bool:
        return bool(self._borrowed(name)) if self._borrowed is not None else False

    def describe(self, name: str) -> str:
        return describe_secret(self.provider, name) or ""


def replaying(policy: object) -> ReplayPolicy | None:
    """POLICY when it is an offline replay's (the seam the HTTP and SQL connectors ask)."""
    return policy if isinstance(policy, ReplayPolicy) else None


__all__ = [
    "ReplayMismatch",
    "ReplayPolicy",
    "ReplayRefused",
    "ReplaySecrets",
    "ReplayTransport",
    "replaying",
]
