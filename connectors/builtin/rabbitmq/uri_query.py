"""The query parameters of Camunda's RabbitMQ URI, read as the RabbitMQ Java client 5.x reads
them (`ConnectionFactory#setUri` → `setQuery` and its `URI_QUERY_PARAMETER_HANDLERS`), and the
connection settings they give pika.

The Java client knows three parameters: `heartbeat` (seconds), `channel_max` and
`connection_timeout` (milliseconds). A value that is not a 32-bit integer is an
`IllegalArgumentException` there (here an input error naming the parameter; the value is never
quoted back, it is part of the URI, which may be a secret). Heartbeat and channel max are
clamped to 0-65535 (`ensureUnsignedShort`), a negative timeout is refused. Any other parameter
goes to an empty hook (`processUriQueryParameter`), i.e. it is ignored: a URI written for
Camunda with the Erlang client's parameters (`auth_mechanism`, `verify`, ...) still connects.
The broker and the client then agree on heartbeat and channel max as `AMQConnection` does
(`negotiatedMaxValue`: zero on one side means the other side's value, else the smaller)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from connectorhub_sdk import ConnectorInputError

# The Java client's defaults (ConnectionFactory.DEFAULT_HEARTBEAT, DEFAULT_CHANNEL_MAX,
# DEFAULT_CONNECTION_TIMEOUT), also used for the credentials connection type
HEARTBEAT_SECONDS = 60
CHANNEL_MAX = 2047
CONNECT_TIMEOUT_MS = 60_000
UNSIGNED_SHORT = 65_535
_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Integer.parseInt accepts (ASCII digits)
_WHAT = {
    "heartbeat": "the requested heartbeat (seconds)",
    "channel_max": "the requested channel max",
    "connection_timeout": "the TCP connection timeout (milliseconds)",
}


@dataclass(frozen=True)
class Tuning:
    """What the client asks the broker for, and the connect timeout; `ignored` names the query
    parameters the Java client ignores too."""

    heartbeat: int = HEARTBEAT_SECONDS
    channel_max: int = CHANNEL_MAX
    connect_timeout_ms: int = CONNECT_TIMEOUT_MS
    ignored: tuple[str, ...] = ()

    def pika_heartbeat(self) -> Callable[[object, int], int]:
        """pika lets a client's number override the broker's; Java negotiates, so we do."""
        return lambda _connection, proposed: negotiated(self.heartbeat, proposed)

    def pika_channel_max(self) -> int:
        """pika negotiates channel max as Java does, but takes no 0 ("no limit" in Java):
        the largest channel number means the same."""
        return self.channel_max or UNSIGNED_SHORT

    def connect_seconds(self, limit: float) -> float:
        """The TCP connect timeout within the run's time LIMIT (0 is Java's "no timeout")."""
        if self.connect_timeout_ms == 0:
            return limit
        return min(limit, self.connect_timeout_ms / 1000)


def negotiated(client: int, server: int) -> int:
    """AMQConnection.negotiatedMaxValue."""
    return max(client, server) if 0 in (client, server) else min(client, server)


def tuning_of(raw_query: str) -> Tuning:
    """The URI's raw query (after `?`), split and decoded as `setQuery` does: on `&`, then on
    `=`, URL-decoded with `+` as a space; the last of a repeated name wins."""
    values: dict[str, str | None] = {}
    for pair in raw_query.split("&"):
        name, _, rest = pair.partition("=")
        text = rest.split("=", 1)[0]  # Java keeps what stands between the first two '='
        values[unquote_plus(name)] = unquote_plus(text) if text else None
    settings: dict[str, int] = {}
    for name, value in values.items():
        if name in _WHAT:
            settings[name] = _integer(name, value)
    timeout = settings.get("connection_timeout", CONNECT_TIMEOUT_MS)
    if timeout < 0:
        raise ConnectorInputError(
            "URI query parameter 'connection_timeout': the TCP connection timeout cannot be "
            "negative",
            field="authentication.uri",
        )
    return Tuning(
        heartbeat=_unsigned_short(settings.get("heartbeat", HEARTBEAT_SECONDS)),
        channel_max=_unsigned_short(settings.get("channel_max", CHANNEL_MAX)),
        connect_timeout_ms=timeout,
        ignored=tuple(sorted(name for name in values if name and name not in _WHAT)),
    )


def _integer(name: str, value: str | None) -> int:
    number = int(value) if value is not None and _INTEGER.fullmatch(value) else None
    if number is None or not -(2**31) <= number < 2**31:
        raise ConnectorInputError(
            f"URI query parameter '{name}': {_WHAT[name]} must be an integer",
            field="authentication.uri",
        )
    return number


def _unsigned_short(number: int) -> int:
    """ConnectionFactory.ensureUnsignedShort: out-of-range values are clamped, not refused."""
    return max(0, min(number, UNSIGNED_SHORT))
