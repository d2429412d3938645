"""Recordings: the exchanges a run made, kept so that a later run can be answered from them.

A recording is plain JSON (stored with a test case, replayed by a run, written to a suite
file), `{"version": 1, "exchanges": [...]}`, each exchange

    {"protocol": "http",
     "request": {"method", "url", "headers", "body"},        # what a replay matches on
     "response": {"status", "headers", "body"},              # what a replay answers
     "error": null | "connection refused",                   # instead of a response
     "latency_ms": 0}                                        # waited before answering

SQL exchanges (`postgresql`, `mysql`, ...) have `request: {target, statement, parameters}`
and `response: {result}` (the connector's `resultSet`/`modifiedRows`); any other protocol
`request: {target, summary, body}` and `response: {status, body}` (kept for reading: those
connectors do not replay).

Everything comes from the run's stored exchanges, which the runtime has already redacted: a
secret's value is never in a recording, only `***`. Matching therefore reads `***` in a
recorded value as "any text" (a masked value cannot be compared), and compares a live request
only after the same masking. No Django here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

VERSION = 1
SQL_PROTOCOLS = frozenset({"postgresql", "mysql", "sqlserver", "oracle"})
MASK = "***"
# Request headers a client sets by itself or that change from one call to the next: never
# compared (a recorded request from another machine or library version still matches).
IGNORED_HEADERS = frozenset(
    {
        "host", "content-length", "user-agent", "accept-encoding", "connection", "cookie",
        "date", "traceparent", "tracestate", "x-amz-date", "x-amz-content-sha256",
        "x-amz-security-token", "amz-sdk-invocation-id", "amz-sdk-request",
    }
)  # fmt: skip
# Response headers that describe the bytes on the wire, not the body a replay answers with
# (the recorded body is already decoded).
WIRE_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})


class RecordingError(ValueError):
    """A recording that cannot be read or replayed; the message names the field."""


# --------------------------------------------------------------------------------------------
# Building and checking
# --------------------------------------------------------------------------------------------


def recording_from_exchanges(exchanges: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The recording of a run's stored (already redacted) EXCHANGES."""
    return {"version": VERSION, "exchanges": [_entry(item) for item in exchanges if _real(item)]}


def _real(item: dict[str, Any]) -> bool:
    # the note StoredOutcome puts in place of exchanges over its size limit has no target
    return bool(item.get("protocol") and (item.get("target") or item.get("url")))


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    protocol = str(item.get("protocol") or "http")
    error = item.get("error") if item.get("status") is None else None
    entry: dict[str, Any] = {"protocol": protocol, "error": error, "latency_ms": 0}
    if "method" in item:  # an HttpExchange
        entry["request"] = {
            "method": item.get("method", ""),
            "url": item.get("url", ""),
            "headers": item.get("request_headers") or {},
            "body": item.get("request_body"),
        }
        entry["response"] = {
            "status": item.get("status"),
            "headers": item.get("response_headers") or {},
            "body": item.get("response_body"),
        }
    elif "statement" in item:  # the SQL connector's exchange
        entry["request"] = {
            "target": item.get("target", ""),
            "statement": item.get("statement", ""),
            "parameters": item.get("parameters") or [],
        }
        entry["response"] = {"result": item.get("result")}
        entry["error"] = item.get("error")
    else:
        entry["request"] = {
            "target": item.get("target", ""),
            "summary": item.get("summary", ""),
            "body": item.get("request_body"),
        }
        entry["response"] = {"status": item.get("status"), "body": item.get("response_body")}
    for side in ("request", "response"):
        if item.get(f"{side}_body_truncated"):
            entry[f"{side}_truncated"] = True
    return entry


def check_recording(data: Any) -> dict[str, Any]:
    """DATA as a recording, or RecordingError naming the first field that is wrong."""
    if not isinstance(data, dict):
        raise RecordingError("recording: must be a JSON object")
    if data.get("version") != VERSION:
        raise RecordingError(f"recording.version: must be {VERSION}, got {data.get('version')!r}")
    exchanges = data.get("exchanges")
    if not isinstance(exchanges, list):
        raise RecordingError("recording.exchanges: must be a list")
    for index, entry in enumerate(exchanges):
        _check_entry(entry, f"exchanges[{index}]")
    return data


def _check_entry(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise RecordingError(f"{where}: must be an object")
    if not isinstance(entry.get("protocol"), str) or not entry["protocol"]:
        raise RecordingError(f"{where}.protocol: must be a protocol name such as http")
    for side in ("request", "response"):
        if not isinstance(entry.get(side), dict):
            raise RecordingError(f"{where}.{side}: must be an object")
    latency = entry.get("latency_ms", 0)
    if isinstance(latency, bool) or not isinstance(latency, int | float) or latency < 0:
        raise RecordingError(f"{where}.latency_ms: must be a number of milliseconds, 0 or more")
    error = entry.get("error")
    if error is not None and not isinstance(error, str):
        raise RecordingError(f"{where}.error: must be text or null")
    if entry["protocol"] == "http":
        _check_http(entry, where)


def _check_http(entry: dict[str, Any], where: str) -> None:
    request, response = entry["request"], entry["response"]
    if not isinstance(request.get("method"), str) or not request.get("method"):
        raise RecordingError(f"{where}.request.method: must be an HTTP method such as GET")
    if not isinstance(request.get("url"), str) or "://" not in request["url"]:
        raise RecordingError(f"{where}.request.url: must be an absolute http(s) URL")
    status = response.get("status")
    if status is None and not entry.get("error"):
        raise RecordingError(f"{where}.response.status: must be set unless error is")
    if status is not None and (
        isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
    ):
        raise RecordingError(f"{where}.response.status: must be an HTTP status, 100 to 599")
    for side, part in (("request", request), ("response", response)):
        headers = part.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in headers.values()
        ):
            raise RecordingError(f"{where}.{side}.headers: must map names to text")
        body = part.get("body")
        if body is not None and not isinstance(body, str):
            raise RecordingError(f"{where}.{side}.body: must be text or null")


# --------------------------------------------------------------------------------------------
# What a request is compared by
# --------------------------------------------------------------------------------------------

Redact = Callable[[str], str]


def http_parts(
    method: str, url: str, headers: dict[str, Any], body: str | None, redact: Redact
) -> dict[str, Any]:
    """The parts of an HTTP request a replay compares, each masked with REDACT: method,
    origin, path, query parameters, the chosen headers (all but IGNORED_HEADERS) and body."""
    split = urlsplit(url)
    query = [(redact(k), redact(v)) for k, v in parse_qsl(split.query, keep_blank_values=True)]
    chosen = {
        name.lower(): redact(", ".join(value) if isinstance(value, list) else str(value))
        for name, value in headers.items()
        if name.lower() not in IGNORED_HEADERS
    }
    return {
        "method": method.upper(),
        "origin": f"{split.scheme}://{split.netloc}".lower(),
        "path": redact(unquote(split.path) or "/"),
        "query": query,
        "headers": chosen,
        "body": _body(redact(body) if body else None),
    }


def sql_parts(target: str, statement: str, parameters: Any, redact: Redact) -> dict[str, Any]:
    """The parts of an SQL statement a replay compares: target, statement (blanks folded)
    and parameters, masked with REDACT."""
    return {
        "target": target,
        "statement": redact(" ".join(statement.split())),
        "parameters": json.loads(redact(json.dumps(parameters, default=str))),
    }


def _body(text: str | None) -> Any:
    """A JSON body is compared as JSON (key order and spacing do not matter), others as text."""
    if text is None or not text.strip():
        return None
    try:
        return {"json": json.loads(text)}
    except ValueError:
        return {"text": text}


def differences(recorded: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Where the LIVE request differs from the RECORDED one, one line each ([] = it matches)."""
    lines: list[str] = []
    for key in recorded:
        if key == "query":
            lines += _query_differences(recorded[key], live[key])
        elif key == "headers":
            lines += _header_differences(recorded[key], live[key])
        elif key == "body" and _both_json(recorded[key], live[key]):
            lines += _json_differences(recorded[key]["json"], live[key]["json"], "body")
        elif not _same(recorded[key], live[key]):
            lines.append(f"{key}: recorded {_short(recorded[key])}, requested {_short(live[key])}")
    return lines


def _query_differences(recorded: list[Any], live: list[Any]) -> list[str]:
    names = list(dict.fromkeys([str(k) for k, _ in recorded] + [str(k) for k, _ in live]))
    lines = []
    for name in names:
        old = [v for k, v in recorded if k == name]
        new = [v for k, v in live if k == name]
        if not old:
            lines.append(f"query parameter '{name}': not recorded, requested {_short(new)}")
        elif not new:
            lines.append(f"query parameter '{name}': recorded {_short(old)}, not requested")
        elif len(old) != len(new) or not all(_same(a, b) for a, b in zip(old, new, strict=False)):
            lines.append(
                f"query parameter '{name}': recorded {_short(old)}, requested {_short(new)}"
            )
    return lines


def _header_differences(recorded: dict[str, str], live: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(set(recorded) | set(live)):
        if name not in live:
            lines.append(f"header '{name}': recorded {_short(recorded[name])}, not sent")
        elif name not in recorded:
            lines.append(f"header '{name}': not recorded, sent {_short(live[name])}")
        elif not _same(recorded[name], live[name]):
            lines.append(
                f"header '{name}': recorded {_short(recorded[name])}, sent {_short(live[name])}"
            )
    return lines


def _both_json(recorded: Any, live: Any) -> bool:
    both = isinstance(recorded, dict) and isinstance(live, dict)
    return both and "json" in recorded and "json" in live


def _json_differences(recorded: Any, live: Any, path: str) -> list[str]:
    """Where two JSON bodies differ, by path (`body.items[0].id: recorded 1, requested 2`)."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        lines = []
        for key in list(recorded) + [k for k in live if k not in recorded]:
            child = f"{path}.{key}"
            if key not in live:
                lines.append(f"{child}: recorded {_short(recorded[key])}, not requested")
            elif key not in recorded:
                lines.append(f"{child}: not recorded, requested {_short(live[key])}")
            else:
                lines += _json_differences(recorded[key], live[key], child)
        return lines
    if isinstance(recorded, list) and isinstance(live, list) and len(recorded) == len(live):
        return [
            line
            for index, (a, b) in enumerate(zip(recorded, live, strict=True))
            for line in _json_differences(a, b, f"{path}[{index}]")
        ]
    if _same(recorded, live):
        return []
    return [f"{path}: recorded {_short(recorded)}, requested {_short(live)}"]


def _same(recorded: Any, live: Any) -> bool:
    """RECORDED matches LIVE; a `***` in recorded text stands for any text (a masked value)."""
    if isinstance(recorded, str) and isinstance(live, str):
        if MASK not in recorded:
            return recorded == live
        pattern = ".*".join(re.escape(piece) for piece in recorded.split(MASK))
        return re.fullmatch(pattern, live, re.DOTALL) is not None
    if isinstance(recorded, dict) and isinstance(live, dict):
        return recorded.keys() == live.keys() and all(_same(recorded[k], live[k]) for k in live)
    if isinstance(recorded, list) and isinstance(live, list):
        return len(recorded) == len(live) and all(
            _same(a, b) for a, b in zip(recorded, live, strict=True)
        )
    return bool(recorded == live and type(recorded) is type(live))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def request_of(entry: dict[str, Any], redact: Redact) -> dict[str, Any]:
    """The compared parts of a recorded ENTRY (HTTP or SQL)."""
    request = entry["request"]
    if entry["protocol"] == "http":
        parts = http_parts(
            request.get("method", ""),
            request.get("url", ""),
            request.get("headers") or {},
            request.get("body"),
            redact,
        )
        if entry.get("request_truncated"):
            parts.pop("body")  # only its first 64 KiB was kept: not compared
        return parts
    return sql_parts(
        request.get("target", ""), request.get("statement", ""), request.get("parameters"), redact
    )


def describe(entry: dict[str, Any]) -> str:
    """One line naming a recorded ENTRY: `GET http://…` or `postgresql host:5432/db: select…`."""
    request = entry.get("request") or {}
    if entry.get("protocol") == "http":
        return f"{request.get('method', '')} {request.get('url', '')}"
    summary = " ".join(str(request.get("statement") or request.get("summary") or "").split())
    return f"{entry.get('protocol')} {request.get('target', '')}: {summary[:80]}"


__all__ = [
    "VERSION",
    "RecordingError",
    "check_recording",
    "describe",
    "differences",
    "http_parts",
    "recording_from_exchanges",
    "request_of",
    "sql_parts",
]
