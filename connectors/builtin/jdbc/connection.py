"""Where a JDBC connection goes: Camunda's URI or detailed settings (plus a reusable
connection credential) turned into one `Target`, whatever the template chose."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from connectorhub_sdk import ConnectorError, ConnectorInputError

# database -> (protocol, default port, the URI schemes its driver accepts)
PROTOCOLS = {
    "POSTGRESQL": ("postgresql", 5432, ("postgresql",)),
    "MYSQL": ("mysql", 3306, ("mysql", "mariadb")),
    "MARIADB": ("mysql", 3306, ("mariadb", "mysql")),
}
NOT_SUPPORTED = {"MSSQL": "Microsoft SQL Server", "ORACLE": "Oracle"}


@dataclass(frozen=True)
class Target:
    """One database to connect to; `properties` are the JDBC connection properties (user and
    password included, as Camunda passes them)."""

    protocol: str  # "postgresql" or "mysql"
    host: str
    port: int
    database: str | None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database or ''}"


def protocol_of(database: str) -> tuple[str, int, tuple[str, ...]]:
    if database in NOT_SUPPORTED:
        raise ConnectorInputError(
            f"{NOT_SUPPORTED[database]} is not supported by this hub yet (no driver for it is "
            "installed); PostgreSQL, MySQL and MariaDB are",
            field="database",
        )
    return PROTOCOLS[database]


def from_uri(database: str, uri: str, properties: dict[str, str | None] | None) -> Target:
    """`jdbc:postgresql://host:port/db?user=..`, `jdbc:mysql://..`, `jdbc:mariadb://..`;
    the URI's query parameters and then `uriProperties` are the connection properties."""
    protocol, default_port, schemes = protocol_of(database)
    scheme, _, rest = uri.removeprefix("jdbc:").partition("://")
    if not uri.startswith("jdbc:") or scheme not in schemes or not rest:
        # DriverManager's answer when no driver takes the URI; the value itself may hold a secret
        raise ConnectorError(
            None,
            f"Cannot create the Database connection: No suitable driver found for the URI "
            f"(a {database} URI starts with jdbc:{schemes[0]}://)",
        )
    parts = urlsplit(f"//{rest}")
    props = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if parts.username:
        props["user"] = unquote(parts.username)
    if parts.password:
        props["password"] = unquote(parts.password)
    props.update({k: v for k, v in (properties or {}).items() if v is not None})
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConnectorInputError(
            "the port in the URI is not a number", field="connection.uri"
        ) from None
    return Target(protocol, parts.hostname or "", port, parts.path.lstrip("/") or None, props)


def from_details(
    database: str,
    host: str | None,
    port: str | int | None,
    username: str | None,
    password: str | None,
    database_name: str | None,
    properties: dict[str, str | None] | None,
    where: str = "connection",
) -> Target:
    protocol, _, _ = protocol_of(database)
    if not host or not str(host).strip():
        raise ConnectorInputError("must not be blank", field=f"{where}.host")
    try:
        number = int(str(port).strip())
    except ValueError:
        raise ConnectorInputError(f"'{port}' is not a port number", field=f"{where}.port") from None
    props = {k: v for k, v in (properties or {}).items() if v is not None}
    if username:
        props["user"] = username
    if password:
        props["password"] = password
    return Target(protocol, str(host).strip(), number, database_name or None, props)


def from_configuration(database: str, configuration: Any) -> Target | None:
    """A reusable connection credential (templates v4+) wins over the inline connection."""
    if configuration in (None, "", {}):
        return None
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            configuration = None
    if not isinstance(configuration, dict):
        raise ConnectorInputError(
            "must be an object with host, port, databaseName, username and password",
            field="configuration",
        )
    c = configuration
    return from_details(
        database,
        c.get("host"),
        c.get("port"),
        c.get("username"),
        c.get("password"),
        c.get("databaseName"),
        None,
        where="configuration",
    )
