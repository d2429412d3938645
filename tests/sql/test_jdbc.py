"""Camunda's SQL Database connector against real PostgreSQL and MariaDB servers: jobs built
from the official template, run through the runtime core (tests/sql/conftest.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectors import registry
from connectors.elementtemplates import build_job
from tests.builtin.conftest import result_of, templates, values_for
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import DATABASE, JDBC_FILE, detailed, run_sql

# one PostgreSQL and MariaDB per test session: their tests share a worker (docs/testing.md)
pytestmark = pytest.mark.xdist_group("sql_servers")


def query(server: SqlServer, sql: str, variables: str | None = None, **more: Any) -> Any:
    values = detailed(server, **{"data.query": sql, "resultVariable": "result", **more})
    if variables is not None:
        values["data.variables"] = variables
    return run_sql(values)


def rows(server: SqlServer, sql: str, variables: str | None = None) -> Any:
    return result_of(query(server, sql, variables, **{"data.returnResults": True}))


@pytest.fixture
def table(sql_server: SqlServer) -> SqlServer:
    blob = "bytea" if sql_server.kind == "postgresql" else "blob"
    json = "jsonb" if sql_server.kind == "postgresql" else "json"
    query(sql_server, "drop table if exists item")
    outcome = query(
        sql_server,
        f"create table item (id int primary key, name varchar(40), price decimal(10,2), "
        f"born date, at timestamp(3) null, doc {json}, raw {blob}, note varchar(40), "
        f"flag boolean, amount int)",
    )
    assert result_of(outcome) == {"modifiedRows": 0}
    return sql_server


@pytest.mark.parametrize("version", sorted(t.version for t in templates(JDBC_FILE)))
def test_every_official_template_version_builds_a_job_our_connector_accepts(
    version: int, postgres_server: SqlServer
) -> None:
    """The corpus test: each version's job runs to a result on the real server."""
    tpl = next(t for t in templates(JDBC_FILE) if t.version == version)
    values = detailed(postgres_server, **{"data.query": "select 1 as one"})
    values.update({"data.returnResults": True, "resultVariable": "result"})
    job = build_job(tpl, values_for(tpl, values))
    assert not job.errors, job.errors
    assert registry.get(job.type).name == "SQL Database Connector"
    assert result_of(run_sql(values, version=version)) == {"resultSet": [{"one": 1}]}


def test_named_positional_and_list_parameters_are_bound_as_camunda_binds_them(
    table: SqlServer,
) -> None:
    insert = "insert into item (id, name, note) values (:id, :name, :note)"
    assert result_of(query(table, insert, '={id: 1, name: "Ada", note: null}')) == {
        "modifiedRows": 1
    }
    assert result_of(query(table, "insert into item (id, name) values (?, ?)", '=[2, "Bob"]')) == {
        "modifiedRows": 1
    }
    # a value is data, never SQL: quotes and a comment in it are stored as they are
    tricky = "O'Brien -- '; drop table item; 100%"
    query(table, "insert into item (id, name) values (?, ?)", f'=[3, "{tricky}"]')
    found = rows(
        table, "select id, name, note from item where id in (<ids>) order by id", "={ids: [1, 3]}"
    )
    assert found == {
        "resultSet": [
            {"id": 1, "name": "Ada", "note": None},
            {"id": 3, "name": tricky, "note": None},
        ]
    }
    # `%` in a literal is the database's, also without variables
    assert rows(table, "select '5%' as p") == {"resultSet": [{"p": "5%"}]}
    # `::` casts and `%` in literals pass through untouched
    if table.kind == "postgresql":
        assert rows(table, "select '5%'::text as p, :n::int as n", "={n: 7}") == {
            "resultSet": [{"p": "5%", "n": 7}]
        }
    updated = query(table, "update item set note = :note where id > :min", '={note: "x", min: 1}')
    assert result_of(updated) == {"modifiedRows": 2}


def test_values_are_mapped_as_camundas_connector_returns_them(table: SqlServer) -> None:
    query(
        table,
        "insert into item (id, price, born, at, doc, raw, flag, amount) values (1, 12.50, "
        "'2024-02-29', '2024-02-29 13:14:15.5', '{\"a\": [1, 2]}', 'ab', true, 1)",
    )
    [row] = rows(table, "select price, born, at, doc, raw, note, flag, amount from item")[
        "resultSet"
    ]
    assert row["flag"] is True  # MariaDB's BOOLEAN is TINYINT(1): a boolean, as its JDBC driver
    assert row["amount"] == 1 and row["amount"] is not True
    assert row["price"] == 12.5
    assert row["born"] == "2024-02-29"
    assert row["at"] == "2024-02-29T13:14:15.500+00:00"
    assert row["raw"] == "YWI="  # byte[] as Jackson writes it: Base64
    assert row["note"] is None
    if table.kind == "postgresql":  # jsonb is parsed; MariaDB's JSON is LONGTEXT, kept as text
        assert row["doc"] == {"a": [1, 2]}
    else:
        assert row["doc"] == '{"a": [1, 2]}'


def test_a_uri_connection_with_properties_and_a_secret_password(sql_server: SqlServer) -> None:
    scheme = "postgresql" if sql_server.kind == "postgresql" else "mariadb"
    values = {
        "database": DATABASE[sql_server.kind],
        "connection.authType": "uri",
        "connection.uri": f"jdbc:{scheme}://127.0.0.1:{sql_server.port}/{sql_server.database}",
        "connection.uriProperties": '={user: "USER", password: "{{secrets.DB_PW}}"}'.replace(
            "USER", sql_server.user
        ),
        "data.query": "select 2 as two",
        "data.returnResults": True,
        "resultVariable": "result",
    }
    outcome = run_sql(values, secrets={"DB_PW": sql_server.password})
    assert result_of(outcome) == {"resultSet": [{"two": 2}]}


def test_a_select_without_return_results_fails_as_in_camunda(sql_server: SqlServer) -> None:
    outcome = query(sql_server, "select 1")
    assert outcome.kind == "failed"
    assert outcome.message.startswith(
        "Error while executing the query [select 1]: A result was returned when none was expected."
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"connection.password": "{{secrets.DB_PW}}x"}, "Cannot create the Database connection: "),
        ({"connection.host": "no-such-host.invalid"}, "Cannot create the Database connection: "),
        ({"data.query": "select * from missing_table"}, "Error while executing the query ["),
    ],
    ids=["wrong-password", "unknown-host", "sql-error"],
)
def test_bad_input_gives_camundas_message_and_never_the_secret(
    sql_server: SqlServer, change: dict[str, str], message: str
) -> None:
    values = detailed(sql_server, **{"data.query": "select 1", "data.returnResults": True})
    values["connection.password"] = "{{secrets.DB_PW}}"
    values.update(change)
    outcome = run_sql(values, secrets={"DB_PW": sql_server.password})
    assert outcome.kind == "failed"
    assert outcome.message.startswith(message), outcome.message
    assert outcome.variables["error"]["type"] == "io.camunda.connector.api.error.ConnectorException"
    assert sql_server.password not in repr(outcome)


def test_a_missing_parameter_is_named(postgres_server: SqlServer) -> None:
    outcome = query(postgres_server, "select :a as a", "={b: 1}", **{"data.returnResults": True})
    assert outcome.kind == "failed"
    assert "Missing named parameter 'a' in binding" in outcome.message


SLEEP = {"postgresql": "select pg_sleep(30)", "mariadb": "select sleep(30)"}
RUNNING = {
    "postgresql": "select count(*) as n from pg_stat_activity where query = 'select pg_sleep(30)'",
    "mariadb": "select count(*) as n from information_schema.processlist "
    "where info = 'select sleep(30)'",
}


def test_a_statement_ends_by_the_runs_time_limit(sql_server: SqlServer) -> None:
    """Also on the server: the statement does not run on after the job failed."""
    values = detailed(sql_server, **{"data.query": SLEEP[sql_server.kind]})
    outcome = run_sql({**values, "data.returnResults": True}, time_limit=1.5)
    assert outcome.kind == "failed"
    assert "time limit" in outcome.message
    time.sleep(0.5)  # the server's own bookkeeping
    assert rows(sql_server, RUNNING[sql_server.kind]) == {"resultSet": [{"n": 0}]}
