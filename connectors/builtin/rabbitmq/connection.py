"""Where a message goes: Camunda's URI or credentials authentication turned into one `Broker`
(ConnectionFactorySupplier, ConnectionFactory#setUri), and a pika connection to it opened
through the network door."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import pika
from connectorhub_sdk import ConnectorContext, ConnectorInputError
from connectorhub_sdk.network import Network

from .model import Authentication, Routing
from .uri_query import Tuning, tuning_of

# The Java client's defaults (ConnectionFactory): ports, guest/guest, the "/" virtual host
DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}
URI_PROBLEM = "Must start with amqp(s):// or contain a secret reference"
CONNECT_SECONDS = 60.0  # the run's limit when it has none (the Java client's connect timeout)


@dataclass(frozen=True)
class Broker:
    """One broker to publish to; `repr` leaves the password out."""

    host: str
    port: int
    vhost: str
    user: str
    password: str
    tls: bool = False
    # the URI's query parameters (uri_query.py); Java's defaults otherwise
    tuning: Tuning = field(default_factory=Tuning)

    @property
    def where(self) -> str:
        """host:port/vhost, as the run page shows it (never the user or password)."""
        return f"{self.host}:{self.port}/{self.vhost}"

    def __repr__(self) -> str:
        return f"Broker({self.where}, user={self.user!r}, tls={self.tls})"


def broker_of(auth: Authentication, routing: Routing) -> Broker:
    if auth.authType == "uri":
        if not auth.uri or not auth.uri.strip():
            raise ConnectorInputError("must not be blank", field="authentication.uri")
        return from_uri(auth.uri.strip())
    for name in ("userName", "password"):
        if not (getattr(auth, name) or "").strip():
            raise ConnectorInputError("must not be blank", field=f"authentication.{name}")
    for name in ("virtualHost", "hostName", "port"):
        if not (getattr(routing, name) or "").strip():
            raise ConnectorInputError(
                "must not be blank with the credentials connection type", field=f"routing.{name}"
            )
    return Broker(
        host=(routing.hostName or "").strip(),
        port=_port(routing.port or "", "routing.port"),
        vhost=routing.virtualHost or "",
        user=auth.userName or "",
        password=auth.password or "",
    )


def from_uri(uri: str) -> Broker:
    """ConnectionFactory#setUri: amqp or amqps, user and password from the user info (else
    guest/guest), the host (else localhost), the port (else 5672/5671), the virtual host from
    the one path segment (none: "/"); all URL-decoded; the query's heartbeat, channel max and
    connect timeout (uri_query.py). The URI is never quoted back: it holds the password."""
    scheme, sep, _ = uri.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        raise ConnectorInputError(URI_PROBLEM, field="authentication.uri")
    parts = urlsplit(uri)
    if "/" in parts.path[1:]:
        raise ConnectorInputError(
            "Multiple segments in path of AMQP URI (the path is the one virtual host; "
            "write a '/' inside it as %2F)",
            field="authentication.uri",
        )
    try:
        port = parts.port
    except ValueError:
        raise ConnectorInputError(
            "the port in the URI is not a number", field="authentication.uri"
        ) from None
    user, password = "guest", "guest"
    if parts.username is not None:
        user = unquote(parts.username)
        password = unquote(parts.password or "")
    return Broker(
        host=parts.hostname or "localhost",
        port=port or DEFAULT_PORTS[scheme],
        vhost=unquote(parts.path[1:]) if parts.path else "/",
        user=user,
        password=password,
        tls=scheme == "amqps",
        tuning=tuning_of(parts.query) if parts.query else Tuning(),
    )


def _port(text: str, field: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        number = 0
    if not 0 < number < 65536:
        raise ConnectorInputError(f"'{text}' is not a port number", field=field)
    return number


def connect(broker: Broker, context: ConnectorContext) -> pika.BlockingConnection:
    """A connection to a vetted address of the broker (the door's egress policy and the
    secrets' host rules apply; TLS verifies the host name); timeouts within the run's limit;
    heartbeat and channel max negotiated as the Java client does."""
    remaining = context.time_remaining()
    limit = CONNECT_SECONDS if remaining is None else max(remaining, 0.001)
    return connect_through(broker, context.network, limit)


def connect_through(
    broker: Broker, network: Network, limit: float = CONNECT_SECONDS, heartbeat: int | None = None
) -> pika.BlockingConnection:
    """`connect` for a caller without a run's time limit (the inbound consumer): LIMIT bounds
    connecting and each blocked call; HEARTBEAT (seconds) replaces the URI's negotiated one
    when given."""
    addresses = network.resolve(broker.host, broker.port)
    tls = (
        pika.SSLOptions(ssl.create_default_context(), server_hostname=broker.host)
        if broker.tls
        else None
    )
    credentials = pika.PlainCredentials(broker.user, broker.password)
    candidates = [
        pika.ConnectionParameters(
            host=address,
            port=broker.port,
            virtual_host=broker.vhost,
            credentials=credentials,
            ssl_options=tls,
            connection_attempts=1,
            heartbeat=broker.tuning.pika_heartbeat() if heartbeat is None else heartbeat,
            channel_max=broker.tuning.pika_channel_max(),
            socket_timeout=broker.tuning.connect_seconds(limit),
            stack_timeout=limit,
            blocked_connection_timeout=limit,
        )
        for address in addresses
    ]
    return pika.BlockingConnection(candidates)
