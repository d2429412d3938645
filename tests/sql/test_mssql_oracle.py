"""SQL Server and Oracle, for which no open-source server exists to test against: URIs and
detailed fields into the drivers' arguments, the egress refusal of loopback with REST's
message, Camunda's connection error at a closed port without the password, placeholders in
each driver's style, and the message naming a missing driver package."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from connectorhub_sdk import ConnectorError, ConnectorInputError

from connectors.builtin.jdbc import connection, drivers, mssql, oracle
from connectors.builtin.jdbc.params import bind
from connectors.network.policy import EgressPolicy
from tests.builtin.conftest import REST_FILE, REST_ID, run_template, template
from tests.sql.conftest import run_sql

DRY_RUN = EgressPolicy.from_allowlist([])  # the dry-run policy with an empty allow-list
PASSWORD = "s3cret-Pa55"


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query(database: str, connection_values: dict[str, Any]) -> dict[str, Any]:
    return {
        "database": database,
        **connection_values,
        "data.query": "select 1 as one",
        "data.returnResults": True,
        "resultVariable": "r",
    }


def detailed(database: str, port: int, host: str = "127.0.0.1") -> dict[str, Any]:
    return query(
        database,
        {
            "connection.authType": "detailed",
            "connection.host": host,
            "connection.port": str(port),
            "connection.username": "app",
            "connection.password": PASSWORD,
            "connection.databaseName": "orders",
            "connection.properties": '={encrypt: "false"}',
        },
    )


def test_a_sql_server_uri_becomes_python_tds_arguments() -> None:
    uri = (
        "jdbc:sqlserver://db.example.com:1444;DatabaseName=orders;user=app;password=pw;"
        "encrypt=false;applicationName=billing"
    )
    target = connection.from_uri("MSSQL", uri, {"loginTimeout": "3", "password": "pw2"})
    assert (target.host, target.port, target.database) == ("db.example.com", 1444, "orders")
    assert target.where == "db.example.com:1444/orders"
    options = mssql.connect_options(target)
    assert options == {
        "dsn": "db.example.com",
        "port": 1444,
        "database": "orders",
        "user": "app",
        "password": "pw2",  # uriProperties win over the URI, as Properties.putAll does
        "appname": "billing",
        "cafile": None,
        "validate_host": True,
    }
    assert target.properties["loginTimeout"] == "3"


def test_sql_server_defaults_to_tls_and_reads_server_and_port_properties() -> None:
    target = connection.from_uri(
        "MSSQL", "jdbc:sqlserver://;serverName=sql.internal;portNumber=1500;database=crm", None
    )
    assert (target.host, target.port, target.database) == ("sql.internal", 1500, "crm")
    options = mssql.connect_options(target)
    assert options["cafile"]  # TLS with the system's CAs, as Microsoft's driver since 10.x
    default = connection.from_uri("MSSQL", "jdbc:sqlserver://sql.internal", None)
    assert (default.port, default.database) == (1433, None)
    with pytest.raises(ConnectorInputError) as refused:
        connection.from_uri("MSSQL", "jdbc:sqlserver://sql.internal\\SALES;user=a", None)
    assert refused.value.field == "connection.uri" and "'SALES' needs its port" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("uri", "where", "options"),
    [
        (
            "jdbc:oracle:thin:@//ora.example.com:1522/ORCLPDB1?user=app",
            "ora.example.com:1522/ORCLPDB1",
            {"service_name": "ORCLPDB1", "user": "app", "port": 1522},
        ),
        (
            "jdbc:oracle:thin:@ora.example.com:1521:ORCL",
            "ora.example.com:1521:ORCL",
            {"sid": "ORCL", "port": 1521},
        ),
        (
            "jdbc:oracle:thin:scott/tiger@ora.example.com/XEPDB1",
            "ora.example.com:1521/XEPDB1",
            {"service_name": "XEPDB1", "user": "scott", "password": "tiger"},
        ),
    ],
)
def test_oracle_uris_become_python_oracledb_arguments(
    uri: str, where: str, options: dict[str, Any]
) -> None:
    target = connection.from_uri("ORACLE", uri, {"oracle.net.CONNECT_TIMEOUT": "2000"})
    assert target.where == where
    assert target.properties["oracle.net.CONNECT_TIMEOUT"] == "2000"
    got = oracle.connect_options(target)
    assert got.items() >= options.items()
    assert ("sid" in got) != ("service_name" in got)


def test_detailed_fields_as_camunda_builds_their_urls() -> None:
    """Camunda's ConnectionStringHelper: `;databaseName=` for SQL Server, `@//host:port/name`
    (a service name) for Oracle."""
    for database in ("MSSQL", "ORACLE"):
        target = connection.from_details(
            database, "db.example.com", "2000", "app", "pw", "orders", {"k": "v"}
        )
        assert (target.host, target.port, target.database, target.sid) == (
            "db.example.com",
            2000,
            "orders",
            None,
        )
        assert target.properties == {"k": "v", "user": "app", "password": "pw"}
    assert oracle.connect_options(target)["service_name"] == "orders"


def test_uris_the_drivers_do_not_take() -> None:
    with pytest.raises(ConnectorError) as wrong:
        connection.from_uri("ORACLE", "jdbc:sqlserver://h;password=hunter2", None)
    assert "No suitable driver found for the URI (a ORACLE URI starts with jdbc:oracle:thin:@)" in (
        wrong.value.message
    )
    assert "hunter2" not in wrong.value.message
    with pytest.raises(ConnectorInputError) as descriptor:
        connection.from_uri("ORACLE", "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=...))", None)
    assert descriptor.value.field == "connection.uri"


def test_placeholders_in_each_drivers_style() -> None:
    """python-tds takes `%s` (values passed apart); python-oracledb `:1`, `:2`, ..."""
    sql = "select * from t where a = :a and b in (<ids>) and c like '50%' and d = ?"
    assert bind(sql.replace(" and d = ?", ""), {"a": 1, "ids": [2, 3]}, "numeric") == (
        "select * from t where a = :1 and b in (:2, :3) and c like '50%'",
        [1, 2, 3],
    )
    assert bind("select ? as x, ? as y from dual", ["o'k", 2], "numeric") == (
        "select :1 as x, :2 as y from dual",
        ["o'k", 2],
    )
    assert bind("select ? as x where y like '5%'", ["o'k"]) == (
        "select %s as x where y like '5%%'",
        ["o'k"],
    )


@pytest.mark.parametrize("database", ["MSSQL", "ORACLE"])
def test_loopback_is_refused_with_rests_message(database: str) -> None:
    port = closed_port()
    sql = run_sql(detailed(database, port), policy=DRY_RUN)
    rest_template = template(REST_FILE, REST_ID, None)
    rest = run_template(
        rest_template, {"method": "GET", "url": f"http://127.0.0.1:{port}/"}, policy=DRY_RUN
    )
    assert sql.kind == "failed" and rest.kind == "failed"
    assert "a loopback address (rule 'loopback')" in sql.message
    assert sql.message == rest.message
    assert sql.retries == 0


@pytest.mark.parametrize(
    ("database", "uri"),
    [
        ("MSSQL", "jdbc:sqlserver://127.0.0.1:{port};databaseName=orders;encrypt=false"),
        ("MSSQL", "jdbc:sqlserver://127.0.0.1:{port};databaseName=orders"),  # TLS on
        ("ORACLE", "jdbc:oracle:thin:@//127.0.0.1:{port}/ORCLPDB1"),
    ],
)
def test_a_closed_port_gives_camundas_connection_error_without_the_password(
    database: str, uri: str
) -> None:
    port = closed_port()
    values = query(
        database,
        {
            "connection.authType": "uri",
            "connection.uri": uri.format(port=port),
            "connection.uriProperties": '={user: "app", password: "{{secrets.DB_PW}}"}',
        },
    )
    outcome = run_sql(values, secrets={"DB_PW": PASSWORD})
    assert outcome.kind == "failed", outcome
    assert outcome.message.startswith(f"Cannot create the Database connection: 127.0.0.1:{port}: ")
    assert "refused" in outcome.message.lower()
    assert PASSWORD not in repr(outcome)


def test_a_missing_driver_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's entry points at a module that cannot be imported, as on a worker without
    the package: Camunda's "Cannot find class" with the package to install."""
    absent = drivers.Driver(
        "Oracle",
        "connectors.builtin.jdbc.no_such_driver",
        ("oracledb",),
        "oracle.jdbc.OracleDriver",
    )
    with pytest.raises(drivers.DriverMissing) as missing:
        drivers.load(absent)
    assert str(missing.value) == (
        "Cannot find class: oracle.jdbc.OracleDriver (Oracle needs the Python package "
        "oracledb, not installed on this worker: pip install oracledb)"
    )
    monkeypatch.setitem(drivers.DRIVERS, "oracle", absent)
    outcome = run_sql(detailed("ORACLE", closed_port()))
    assert outcome.kind == "failed"
    assert outcome.message.startswith(str(missing.value))
    assert PASSWORD not in repr(outcome)
