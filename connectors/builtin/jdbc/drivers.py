"""The drivers, each connected through the network door (docs/network.md recipes): psycopg to
a vetted `hostaddr` with the name kept for TLS, PyMySQL over a door socket (both here);
python-tds (mssql.py) and python-oracledb (oracle.py), loaded when a job needs them, so a worker
without them names the missing package.

JDBC connection properties are read where a driver has the same setting; others are ignored,
as JDBC drivers ignore properties they do not know (docs/sql-connector.md lists them)."""

from __future__ import annotations

import importlib
import math
import os
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql  # type: ignore[import-untyped]
from connectorhub_sdk import JSON, ConnectorContext
from pymysql.constants import FIELD_TYPE  # type: ignore[import-untyped]

from .connection import Target
from .values import column_value

Rows = list[dict[str, JSON]]
TRUE = ("true", "1", "yes")
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds; pgjdbc's default (MariaDB's is 30)


class ConnectFailed(Exception):
    """Opening the connection failed (unknown host, refused, wrong password, ...)."""


class QueryFailed(Exception):
    """The database refused or failed the statement."""


class ResultNotExpected(QueryFailed):
    def __init__(self) -> None:
        super().__init__("A result was returned when none was expected.")


class DriverMissing(Exception):
    """A Python package a database needs is not installed on this worker."""

    def __init__(self, what: str, packages: tuple[str, ...], java_class: str = "") -> None:
        needs = " and ".join(packages)
        # Camunda's ConnectionHelper says "Cannot find class: <JDBC driver>"
        start = f"Cannot find class: {java_class} ({what} " if java_class else f"{what} ("
        super().__init__(
            f"{start}needs the Python package {needs}, not installed on this worker: "
            f"pip install {' '.join(packages)})"
        )


@dataclass(frozen=True)
class Driver:
    """A database whose driver is imported when a job needs it."""

    what: str
    module: str  # ours, importing the driver package
    packages: tuple[str, ...]  # what pip installs
    java_class: str  # the JDBC driver Camunda loads (SupportedDatabase)


DRIVERS = {
    "sqlserver": Driver(
        "Microsoft SQL Server",
        f"{__package__}.mssql",
        ("python-tds",),
        "com.microsoft.sqlserver.jdbc.SQLServerDriver",
    ),
    "oracle": Driver("Oracle", f"{__package__}.oracle", ("oracledb",), "oracle.jdbc.OracleDriver"),
}


def load(driver: Driver) -> Any:
    """The driver's module; DriverMissing naming the package when it cannot be imported.
    A dynamic import: mssql.py and oracle.py import this module's helpers."""
    try:
        return importlib.import_module(driver.module)
    except ModuleNotFoundError:
        raise DriverMissing(driver.what, driver.packages, driver.java_class) from None


def run(
    target: Target,
    statement: str,
    values: list[Any],
    *,
    return_results: bool,
    context: ConnectorContext,
) -> Rows | int:
    """Run one statement (autocommit, as a JDBC connection starts) and return the rows or the
    modified-row count."""
    if target.protocol == "postgresql":
        return _postgres(target, statement, values, return_results, context)
    if target.protocol == "mysql":
        return _mysql(target, statement, values, return_results, context)
    module = load(DRIVERS[target.protocol])
    result: Rows | int = module.run(target, statement, values, return_results, context)
    return result


def connect_timeout(
    target: Target, context: ConnectorContext, *, millis: bool, key: str = "connectTimeout"
) -> float:
    """The JDBC property KEY (seconds or milliseconds), capped by the run's time limit."""
    text = target.properties.get(key)
    try:
        seconds = float(text) / (1000 if millis else 1) if text else DEFAULT_CONNECT_TIMEOUT
    except ValueError:
        seconds = DEFAULT_CONNECT_TIMEOUT
    remaining = context.time_remaining()
    return seconds if remaining is None else min(seconds, remaining)


def _postgres(
    target: Target,
    statement: str,
    values: list[Any],
    return_results: bool,
    ctx: ConnectorContext,
) -> Rows | int:
    with _postgres_connect(target, ctx) as conn:
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, values)
                if cursor.description is None:
                    return [] if return_results else max(cursor.rowcount, 0)
                if not return_results:
                    raise ResultNotExpected()
                names = [c.name for c in cursor.description]
                return [
                    {n: column_value(v) for n, v in zip(names, row, strict=True)}
                    for row in cursor.fetchall()
                ]
        except psycopg.Error as exc:
            raise QueryFailed(str(exc).strip()) from None


def _postgres_connect(target: Target, ctx: ConnectorContext) -> psycopg.Connection[Any]:
    """libpq connects to a vetted address (`hostaddr`) and verifies TLS against `host`."""
    try:
        addresses = ctx.network.resolve(target.host, target.port)
    except OSError as exc:  # the name has no address (EgressDenied is no OSError: it goes on)
        raise ConnectFailed(str(exc)) from None
    options = _postgres_options(target, ctx)
    failure: Exception | None = None
    for address in addresses:
        try:
            return psycopg.connect(
                host=target.host, hostaddr=address, port=target.port, autocommit=True, **options
            )
        except psycopg.Error as exc:
            failure = exc
    raise ConnectFailed(str(failure).strip() or "no address")


def _postgres_options(target: Target, ctx: ConnectorContext) -> dict[str, Any]:
    """libpq's settings from the JDBC properties and the run's time limit."""
    props = target.properties
    options: dict[str, Any] = {
        # libpq must not fill in what the job left out from this process's environment
        "passfile": os.devnull,
        "user": props.get("user") or "",
        "password": props.get("password") or "",
        "dbname": target.database or props.get("user") or "",
        "sslmode": props.get("sslmode")
        or ("require" if props.get("ssl", "").lower() in TRUE else "prefer"),
        "connect_timeout": max(2, math.ceil(connect_timeout(target, ctx, millis=False))),
        "application_name": props.get("ApplicationName") or "ConnectorHub",
    }
    settings = []
    if props.get("currentSchema"):  # libpq splits `options` at unescaped spaces
        schema = props["currentSchema"].replace("\\", "\\\\").replace(" ", "\\ ")
        settings.append(f"-c search_path={schema}")
    remaining = ctx.time_remaining()
    if remaining is not None:  # the server ends the statement by the run's time limit
        settings.append(f"-c statement_timeout={max(1, int(remaining * 1000))}")
    if settings:
        options["options"] = " ".join(settings)
    return options


def _mysql(
    target: Target,
    statement: str,
    values: list[Any],
    return_results: bool,
    ctx: ConnectorContext,
) -> Rows | int:
    props = target.properties
    ssl_on = props.get("useSsl", props.get("useSSL", "")).lower() in TRUE or props.get(
        "sslMode", "disable"
    ).lower() not in ("disable", "disabled")
    timeout = connect_timeout(target, ctx, millis=True)
    conn = pymysql.connect(
        host=target.host,  # TLS verifies the name; the socket below goes to a vetted address
        port=target.port,
        user=props.get("user") or "",
        password=props.get("password") or "",
        database=target.database,
        autocommit=True,
        charset="utf8mb4",
        connect_timeout=timeout,
        ssl={"check_hostname": True} if ssl_on else None,
        # each read and write ends by the run's time limit (PyMySQL resets the door's timeout)
        read_timeout=ctx.time_remaining(),
        write_timeout=ctx.time_remaining(),
        defer_connect=True,
    )
    try:
        conn.connect(sock=ctx.network.connect(target.host, target.port, timeout=timeout))
    except OSError as exc:
        raise ConnectFailed(str(exc)) from None
    except pymysql.MySQLError as exc:
        raise ConnectFailed(_mysql_message(exc)) from None
    try:
        with conn.cursor() as cursor:
            _limit_statement_time(conn, cursor, ctx.time_remaining())
            cursor.execute(statement, values)
            if cursor.description is None:
                return [] if return_results else max(cursor.rowcount, 0)
            if not return_results:
                raise ResultNotExpected()
            kinds = [(c[0], _mysql_kind(c[1], c[3])) for c in cursor.description]
            return [
                {name: _mysql_value(v, kind) for (name, kind), v in zip(kinds, row, strict=True)}
                for row in cursor.fetchall()
            ]
    except pymysql.MySQLError as exc:
        raise QueryFailed(_mysql_message(exc)) from None
    finally:
        conn.close()


def _limit_statement_time(conn: Any, cursor: Any, remaining: float | None) -> None:
    """The server ends the statement by the run's time limit: a closed socket alone leaves it
    running there. MariaDB counts seconds (any statement), MySQL milliseconds (SELECT only)."""
    if remaining is None:
        return
    if "mariadb" in conn.get_server_info().lower():
        cursor.execute("SET SESSION max_statement_time = %s", [max(remaining, 0.001)])
    else:
        cursor.execute("SET SESSION max_execution_time = %s", [max(1, int(remaining * 1000))])


def _mysql_kind(type_code: int, length: int | None) -> str | None:
    """What MariaDB's JDBC driver makes of a column, where it differs from PyMySQL: JSON
    (MySQL's type; MariaDB's JSON is LONGTEXT) is parsed, TINYINT(1) and BIT(1) are booleans."""
    if type_code == FIELD_TYPE.JSON:
        return "json"
    if type_code in (FIELD_TYPE.TINY, FIELD_TYPE.BIT) and length == 1:
        return "bool"
    return None


def _mysql_value(value: Any, kind: str | None) -> JSON:
    if kind == "bool" and value is not None:
        return value not in (0, b"\x00")
    return column_value(value, json_column=kind == "json")


def _mysql_message(exc: pymysql.MySQLError) -> str:
    """PyMySQL's errors are (code, text) tuples: the server's text, with its code."""
    if len(exc.args) == 2:
        return f"({exc.args[0]}) {exc.args[1]}"
    return str(exc)
