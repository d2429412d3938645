"""Oracle through python-oracledb in thin mode (pure protocol, no Oracle client libraries;
Apache-2.0/UPL), connected to a vetted address from the network door. Follows Camunda's
`SupportedDatabase.ORACLE` and `JdbiJsonHelper` (CLOB and VARCHAR2 columns holding JSON are
parsed)."""

from __future__ import annotations

from typing import Any

import oracledb
from connectorhub_sdk import ConnectorContext

from .connection import Target
from .drivers import ConnectFailed, QueryFailed, ResultNotExpected, Rows, connect_timeout
from .values import column_value

JSON_TYPES = (oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_VARCHAR)


def run(
    target: Target,
    statement: str,
    values: list[Any],
    return_results: bool,
    ctx: ConnectorContext,
) -> Rows | int:
    conn = _connect(target, ctx)
    try:
        remaining = ctx.time_remaining()
        if remaining is not None:  # each round trip ends by the run's time limit
            conn.call_timeout = max(1, int(remaining * 1000))
        with conn.cursor() as cursor:
            cursor.execute(statement, values, fetch_lobs=False)
            if cursor.description is None:
                return [] if return_results else max(cursor.rowcount, 0)
            if not return_results:
                raise ResultNotExpected()
            kinds = [(c.name, c.type_code in JSON_TYPES) for c in cursor.description]
            return [
                {n: column_value(v, json_column=j) for (n, j), v in zip(kinds, row, strict=True)}
                for row in cursor.fetchall()
            ]
    except oracledb.Error as exc:
        raise QueryFailed(str(exc).strip()) from None
    finally:
        conn.close()


def connect_options(target: Target) -> dict[str, Any]:
    """python-oracledb's arguments from the target, but for the address and the time limit."""
    props = target.properties
    where = {"sid": target.sid} if target.sid else {"service_name": target.database}
    return {
        "user": props.get("user") or None,
        "password": props.get("password") or None,
        "port": target.port,
        "program": "ConnectorHub",
        **where,
    }


def _connect(target: Target, ctx: ConnectorContext) -> Any:
    """Thin mode takes a host only: a vetted address from the door, tried in order."""
    try:
        addresses = ctx.network.resolve(target.host, target.port)
    except OSError as exc:  # the name has no address (EgressDenied is no OSError: it goes on)
        raise ConnectFailed(f"{target.host}:{target.port}: {exc}") from None
    # oracle.net.CONNECT_TIMEOUT is in milliseconds in Oracle's driver
    timeout = connect_timeout(target, ctx, key="oracle.net.CONNECT_TIMEOUT", millis=True)
    failure: Exception | None = None
    for address in addresses:
        try:
            return oracledb.connect(
                host=address, tcp_connect_timeout=timeout, **connect_options(target)
            )
        except oracledb.Error as exc:
            failure = exc
    raise ConnectFailed(f"{target.host}:{target.port}: {str(failure).strip() or 'no address'}")
