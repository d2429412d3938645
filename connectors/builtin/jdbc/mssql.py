"""Microsoft SQL Server through python-tds (pure Python, MIT) over a socket from the network
door. Follows Camunda's `SupportedDatabase.MSSQL` (Microsoft's JDBC driver): TLS unless
`encrypt=false`, as that driver does since version 10; login and query time capped by the run."""

from __future__ import annotations

import ssl
from typing import Any

import pytds  # type: ignore[import-untyped]
import pytds.tls  # type: ignore[import-untyped]
from connectorhub_sdk import ConnectorContext

from .connection import Target
from .drivers import (
    TRUE,
    ConnectFailed,
    DriverMissing,
    QueryFailed,
    ResultNotExpected,
    Rows,
    connect_timeout,
)
from .values import column_value

PLAIN = ("false", "no", "optional")  # `encrypt` values that leave TLS off


def run(
    target: Target,
    statement: str,
    values: list[Any],
    return_results: bool,
    ctx: ConnectorContext,
) -> Rows | int:
    conn = _connect(target, ctx)
    try:
        cursor = conn.cursor()
        cursor.execute(statement, values)
        if cursor.description is None:
            return [] if return_results else max(cursor.rowcount, 0)
        if not return_results:
            raise ResultNotExpected()
        names = [c[0] for c in cursor.description]
        return [
            {n: column_value(v) for n, v in zip(names, row, strict=True)}
            for row in cursor.fetchall()
        ]
    except pytds.Error as exc:
        raise QueryFailed(str(exc).strip()) from None
    finally:
        conn.close()


def connect_options(target: Target) -> dict[str, Any]:
    """python-tds's arguments from the target, but for the socket and the time limits."""
    props = target.properties
    tls = props.get("encrypt", "true").lower() not in PLAIN
    return {
        "dsn": target.host,  # the name: TLS verifies it; the socket goes to a vetted address
        "port": target.port,
        "database": target.database,
        "user": props.get("user") or "",
        "password": props.get("password") or "",
        "appname": props.get("applicationName") or "ConnectorHub",
        # the system's trusted CAs; Microsoft's driver uses Java's
        "cafile": ssl.get_default_verify_paths().openssl_cafile if tls else None,
        "validate_host": props.get("trustServerCertificate", "").lower() not in TRUE,
    }


def _connect(target: Target, ctx: ConnectorContext) -> Any:
    tls = target.properties.get("encrypt", "true").lower() not in PLAIN
    if tls and not pytds.tls.OPENSSL_AVAILABLE:
        raise DriverMissing("SQL Server over TLS", ("pyOpenSSL",))
    # loginTimeout is in seconds in Microsoft's driver
    timeout = connect_timeout(target, ctx, key="loginTimeout", millis=False)
    try:
        sock = ctx.network.connect(target.host, target.port, timeout=timeout)
    except OSError as exc:
        raise ConnectFailed(f"{target.host}:{target.port}: {exc}") from None
    try:
        return pytds.connect(
            sock=sock,
            autocommit=True,
            login_timeout=timeout,
            timeout=ctx.time_remaining(),  # each statement ends by the run's time limit
            disable_connect_retry=True,  # a retry would reuse the door's socket
            **connect_options(target),
        )
    except (pytds.Error, OSError) as exc:
        sock.close()
        raise ConnectFailed(f"{target.host}:{target.port}: {str(exc).strip()}") from None
