"""The SQL connector's servers (one private PostgreSQL and one MariaDB per test session) and
`run_sql`, which builds a job from Camunda's official JDBC template as the Modeler would and
runs it through the runtime core."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.runtime import Outcome
from tests.builtin.conftest import run_template, template
from tests.services.sql_servers import SqlServer

JDBC_FILE = "jdbc-outbound-connector.json"
JDBC_ID = "io.camunda.connectors.Jdbc.v1"
LATEST = 6
DATABASE = {"postgresql": "POSTGRESQL", "mariadb": "MARIADB"}


@pytest.fixture(params=["postgresql", "mariadb"])
def sql_server(request: pytest.FixtureRequest) -> SqlServer:
    """Each test that asks for it runs against both servers."""
    name = "postgres_server" if request.param == "postgresql" else "mariadb_server"
    server: SqlServer = request.getfixturevalue(name)
    return server


def detailed(server: SqlServer, **overrides: Any) -> dict[str, Any]:
    """Template values (by binding name) for the detailed connection to SERVER."""
    values: dict[str, Any] = {
        "database": DATABASE[server.kind],
        "connection.authType": "detailed",
        "connection.host": "127.0.0.1",
        "connection.port": str(server.port),
        "connection.username": server.user,
        "connection.password": server.password,
        "connection.databaseName": server.database,
    }
    values.update(overrides)
    return values


def run_sql(
    by_binding: dict[str, Any],
    *,
    version: int = LATEST,
    secrets: dict[str, str] | None = None,
    **kwargs: Any,
) -> Outcome:
    return run_template(
        template(JDBC_FILE, JDBC_ID, version), by_binding, secrets=secrets, **kwargs
    )
