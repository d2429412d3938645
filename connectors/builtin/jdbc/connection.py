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
    "MSSQL": ("sqlserver", 1433, ("sqlserver",)),
    "ORACLE": ("oracle", 1521, ("oracle:thin",)),
}


@dataclass(frozen=True)
class Target:
    """One database to connect to; `properties` are the JDBC connection properties (user and
    password included, as Camunda passes them)."""

    protocol: str  # "postgresql", "mysql", "sqlserver" or "oracle"
    host: str
    port: int
    database: str | None  # Oracle: the service name
    properties: dict[str, str] = field(default_factory=dict)
    sid: str | None = None  # Oracle's `host:port:SID` form

    @property
    def where(self) -> str:
        if self.sid:
            return f"{self.host}:{self.port}:{self.sid}"
        return f"{self.host}:{self.port}/{self.database or ''}"


def protocol_of(database: str) -> tuple[str, int, tuple[str, ...]]:
    return PROTOCOLS[database]


def from_uri(database: str, uri: str, properties: dict[str, str | None] | None) -> Target:
    """`jdbc:postgresql://host:port/db?user=..`, `jdbc:mysql://..`, `jdbc:mariadb://..`;
    the URI's query parameters and then `uriProperties` are the connection properties.
    SQL Server and Oracle URIs have forms of their own (below)."""
    protocol, default_port, schemes = protocol_of(database)
    extra = {k: v for k, v in (properties or {}).items() if v is not None}
    if protocol == "sqlserver" and uri.startswith("jdbc:sqlserver://"):
        return _sqlserver_uri(uri, extra)
    if protocol == "oracle" and uri.startswith("jdbc:oracle:thin:"):
        return _oracle_uri(uri, extra)
    scheme, _, rest = uri.removeprefix("jdbc:").partition("://")
    if protocol in ("sqlserver", "oracle") or not uri.startswith("jdbc:"):
        raise no_driver(database, schemes[0])
    if scheme not in schemes or not rest:
        raise no_driver(database, schemes[0])
    parts = urlsplit(f"//{rest}")
    props = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if parts.username:
        props["user"] = unquote(parts.username)
    if parts.password:
        props["password"] = unquote(parts.password)
    props.update(extra)
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConnectorInputError(
            "the port in the URI is not a number", field="connection.uri"
        ) from None
    return Target(protocol, parts.hostname or "", port, parts.path.lstrip("/") or None, props)


def _sqlserver_uri(uri: str, extra: dict[str, str]) -> Target:
    """`jdbc:sqlserver://[host][\\instance][:port][;key=value]...` (Microsoft's JDBC driver: keys
    are case-insensitive, `serverName`, `portNumber` and `databaseName`/`database` may come as
    properties). A named instance needs its port here: the SQL Server Browser lookup (UDP) would
    bypass the network door."""
    server, *pairs = uri.removeprefix("jdbc:sqlserver://").split(";")
    props: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if key.strip() and sep:
            props[_MSSQL_KEYS.get(key.strip().lower(), key.strip())] = value.strip()
    props.update({_MSSQL_KEYS.get(k.lower(), k): v for k, v in extra.items()})
    host, _, port_text = server.partition(":")
    host, _, instance = host.partition("\\")
    host = host or props.pop("serverName", "")
    port_text = port_text or props.pop("portNumber", "")
    instance = instance or props.get("instanceName", "")
    if instance and not port_text:
        raise ConnectorInputError(
            f"the named instance '{instance}' needs its port in the URI (the SQL Server Browser "
            "lookup is not done here)",
            field="connection.uri",
        )
    database = props.pop("databaseName", None) or props.pop("database", None)
    return Target("sqlserver", host, _uri_port(port_text, 1433), database or None, props)


# Microsoft's driver reads property names case-insensitively: the spellings read here
_MSSQL_KEYS = {
    k.lower(): k
    for k in (
        "user",
        "password",
        "databaseName",
        "database",
        "serverName",
        "portNumber",
        "instanceName",
        "encrypt",
        "trustServerCertificate",
        "hostNameInCertificate",
        "loginTimeout",
        "applicationName",
    )
}


def _oracle_uri(uri: str, extra: dict[str, str]) -> Target:
    """Oracle's thin URIs: `jdbc:oracle:thin:[user/password]@[//]host[:port]/service` (what
    Camunda builds from the detailed fields) and `@host[:port]:SID`; `?key=value` after it.
    TNS descriptors `@(DESCRIPTION=...)` and `tcps://` are not read here."""
    rest = uri.removeprefix("jdbc:oracle:thin:")
    credentials, at, address = rest.rpartition("@")
    if not at:
        raise no_driver("ORACLE", "oracle:thin")
    address, _, query = address.partition("?")
    props = {k: v for k, v in parse_qsl(query, keep_blank_values=True)}
    if credentials:
        user, _, password = credentials.partition("/")
        props["user"] = unquote(user)
        if password:
            props["password"] = unquote(password)
    props.update(extra)
    address = address.removeprefix("//")
    if address.startswith("(") or "://" in address:
        raise ConnectorInputError(
            "only the host:port/service and host:port:SID forms of an Oracle URI are read here "
            "(not a TNS descriptor or a protocol prefix)",
            field="connection.uri",
        )
    hostport, slash, service = address.partition("/")
    host, _, port_text = hostport.partition(":")
    sid = None
    if not slash and ":" in port_text:  # host:port:SID
        port_text, _, sid = port_text.partition(":")
    return Target("oracle", host, _uri_port(port_text, 1521), service or None, props, sid or None)


def _uri_port(text: str, default: int) -> int:
    if not text.strip():
        return default
    try:
        return int(text)
    except ValueError:
        raise ConnectorInputError(
            "the port in the URI is not a number", field="connection.uri"
        ) from None


def no_driver(database: str, scheme: str) -> ConnectorError:
    """DriverManager's answer when no driver takes the URI; the value itself may hold a secret."""
    start = "jdbc:oracle:thin:@" if scheme == "oracle:thin" else f"jdbc:{scheme}://"
    return ConnectorError(
        None,
        f"Cannot create the Database connection: No suitable driver found for the URI "
        f"(a {database} URI starts with {start})",
    )


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
    """A reusable connection credential (templates v4+) wins over the inline connection and,
    when it names one, over the task's database."""
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
    # v2 of the credential carries its own engine, which wins over the task's (camunda/connectors
    # JdbcRequest#database); a v1 credential has none and keeps the task's
    chosen = c.get("database") or database
    if chosen not in PROTOCOLS:
        raise ConnectorInputError(
            f"'{chosen}' is not one of {', '.join(PROTOCOLS)}", field="configuration.database"
        )
    return from_details(
        chosen,
        c.get("host"),
        c.get("port"),
        c.get("username"),
        c.get("password"),
        c.get("databaseName"),
        None,
        where="configuration",
    )
