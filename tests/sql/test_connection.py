"""How the SQL connector finds its server: URI forms, the connection credential (templates
v4+), a URI the driver does not take, and the per-secret host rules of the network door."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.elementtemplates import build_job
from connectors.runtime import Failed, JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, result_of, template, values_for
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import DATABASE, JDBC_FILE, JDBC_ID, LATEST, detailed, run_sql

# one PostgreSQL and MariaDB per test session: their tests share a worker (docs/testing.md)
pytestmark = pytest.mark.xdist_group("sql_servers")

SELECT = {"data.query": "select 3 as three", "data.returnResults": True, "resultVariable": "r"}


def uri_values(database: str, uri: str, **more: Any) -> dict[str, Any]:
    connection = {"connection.authType": "uri", "connection.uri": uri}
    return {"database": database, **connection, **SELECT, **more}


def test_user_and_password_in_the_uris_query(sql_server: SqlServer) -> None:
    scheme = "postgresql" if sql_server.kind == "postgresql" else "mariadb"
    uri = (
        f"jdbc:{scheme}://127.0.0.1:{sql_server.port}/{sql_server.database}"
        f"?user={sql_server.user}&password={{{{secrets.DB_PW}}}}"
    )
    outcome = run_sql(
        uri_values(DATABASE[sql_server.kind], uri), secrets={"DB_PW": sql_server.password}
    )
    assert result_of(outcome, "r") == {"resultSet": [{"three": 3}]}
    assert sql_server.password not in repr(outcome)


def test_mysql_with_a_jdbc_mysql_uri(mariadb_server: SqlServer) -> None:
    s = mariadb_server
    uri = f"jdbc:mysql://127.0.0.1:{s.port}/{s.database}"
    props = f'={{user: "{s.user}", password: "{s.password}"}}'
    outcome = run_sql(uri_values("MYSQL", uri, **{"connection.uriProperties": props}))
    assert result_of(outcome, "r") == {"resultSet": [{"three": 3}]}


def test_a_uri_for_another_driver_is_refused_without_repeating_it(
    postgres_server: SqlServer,
) -> None:
    uri = f"jdbc:mysql://127.0.0.1:{postgres_server.port}/db?password=hunter2"
    outcome = run_sql(uri_values("POSTGRESQL", uri))
    assert outcome.kind == "failed"
    assert outcome.message.startswith(
        "Cannot create the Database connection: No suitable driver found for the URI"
    )
    assert "jdbc:postgresql://" in outcome.message and "hunter2" not in outcome.message


def test_a_connection_credential_wins_over_the_inline_connection(
    postgres_server: SqlServer,
) -> None:
    """The hub's form cannot pick a Camunda configuration (docs/forms.md); a live job can
    carry one as an object, or JSON text."""
    s = postgres_server
    credential = {
        "host": "127.0.0.1",
        "port": str(s.port),
        "databaseName": s.database,
        "username": s.user,
        "password": s.password,
    }
    values = detailed(s, **{"connection.host": "no-such-host.invalid", **SELECT})
    tpl = template(JDBC_FILE, JDBC_ID, LATEST)
    job = build_job(tpl, values_for(tpl, values))
    assert job.type is not None
    for carried in (credential, json.dumps(credential)):
        outcome = run_job(
            JobRequest(job.type, {**job.variables, "configuration": carried}, job.headers),
            secrets=MappingSecretProvider({}),
            address_policy=LOCAL_ONLY,
        )
        assert result_of(outcome, "r") == {"resultSet": [{"three": 3}]}
    outcome = run_job(
        JobRequest(job.type, {**job.variables, "configuration": "a-reference"}, job.headers),
        secrets=MappingSecretProvider({}),
        address_policy=LOCAL_ONLY,
    )
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert outcome.message.startswith("configuration: must be an object with host, port")


class HostListProvider(MappingSecretProvider):
    """Secrets that also know where each may be sent (the hub's store does the same)."""

    def __init__(self, secrets: dict[str, str], hosts: dict[str, list[str]]) -> None:
        super().__init__(secrets)
        self.hosts = hosts

    def allowed_hosts(self, name: str) -> list[str]:
        return self.hosts.get(name, [])


def test_a_password_may_not_go_to_a_host_its_rule_forbids(sql_server: SqlServer) -> None:
    tpl = template(JDBC_FILE, JDBC_ID, LATEST)
    values = detailed(sql_server, **{"connection.password": "{{secrets.DB_PW}}", **SELECT})
    job = build_job(tpl, values_for(tpl, values))
    assert job.type is not None
    provider = HostListProvider({"DB_PW": sql_server.password}, {"DB_PW": ["db.example.com"]})
    outcome = run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=provider,
        address_policy=LOCAL_ONLY,
    )
    assert isinstance(outcome, Failed)
    assert outcome.retries == 0
    assert outcome.message.startswith(
        f"Secret 'DB_PW' may not be sent to 127.0.0.1:{sql_server.port}"
    )
    assert sql_server.password not in repr(outcome)


def test_extra_properties_reach_the_driver(postgres_server: SqlServer) -> None:
    s = postgres_server
    setup = "create schema if not exists side; create table if not exists side.t (v int)"
    run_sql(detailed(s, **{"data.query": setup}))
    run_sql(detailed(s, **{"data.query": "insert into side.t values (5)"}))
    values = detailed(s, **{"data.query": "select v from t", **SELECT})
    values["data.query"] = "select v, current_setting('application_name') as app from t"
    values["connection.properties"] = '={currentSchema: "side", ApplicationName: "orders"}'
    assert result_of(run_sql(values), "r") == {"resultSet": [{"v": 5, "app": "orders"}]}
