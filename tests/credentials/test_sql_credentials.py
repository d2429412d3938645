"""Camunda's SQL template (v6) with a named `io.camunda.connectors:jdbc-connection:1` credential
(v2: it carries the database engine too), dry-run through the real Celery worker: the
credential's host, port, database, login and engine replace the hidden inline connection (a
MariaDB credential reaches MariaDB although the task's hidden engine defaults to PostgreSQL); a
wrong password in the credential gives the connector's usual connection error without it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.credentials.services import credential_save
from connectors.models import ImportSource, Run, TemplateVersion
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import JDBC_FILE, JDBC_ID

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("sql_servers"),
]
ENGINE = {"postgresql": "POSTGRESQL", "mariadb": "MARIADB"}


@pytest.fixture
def jdbc_v6(db: None) -> Any:
    report = import_documents(
        [(JDBC_FILE, (CORPUS_DIR / JDBC_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=JDBC_ID, version=6)


def connection(version: Any, user: Any, server: SqlServer, password: str) -> None:
    credential_save(
        definition=version.content["configurationTemplates"][0],
        name="orders_db",
        values={
            "database": ENGINE[server.kind],
            "host": "127.0.0.1",
            "port": str(server.port),
            "databaseName": server.database,
            "username": server.user,
            "password": password,
        },
        user=user,
    )


QUERY = {
    "configuration": "=camunda.vars.env.orders_db",
    "data.query": "select 40 + 2 as answer",
    "data.returnResults": True,
    "resultVariable": "sql",
}


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_a_dry_run_queries_through_the_named_connection(
    egress_worker: Any,  # noqa: F811
    jdbc_v6: Any,
    kind: str,
    request: pytest.FixtureRequest,
    user: Any,
) -> None:
    server: SqlServer = request.getfixturevalue(f"{kind}_server")
    connection(jdbc_v6, user, server, server.password)

    run = dry_run(jdbc_v6, QUERY, user)

    assert run.outcome == "completed", run.error_message
    assert run.outcome_record.variables == {"sql": {"resultSet": [{"answer": 42}]}}
    [exchange] = run.outcome_record.exchanges
    assert exchange["protocol"] == ("postgresql" if kind == "postgres" else "mysql")
    # the user name is a secret field of this credential, so it is masked wherever it shows
    assert exchange["target"].startswith(f"127.0.0.1:{server.port}/")
    assert run.job["variables"]["configuration"] == "{{credentials.orders_db}}"
    assert server.password not in stored(run)


def test_a_wrong_password_in_the_credential_fails_as_usual_without_it(
    egress_worker: Any,  # noqa: F811
    jdbc_v6: Any,
    postgres_server: SqlServer,
    user: Any,
) -> None:
    wrong = "Wrong-DB-Password-in-a-credential-8"
    connection(jdbc_v6, user, postgres_server, wrong)

    run = dry_run(jdbc_v6, QUERY, user)

    assert run.outcome == "failed"
    assert run.error_message.startswith("Cannot create the Database connection: ")
    assert wrong not in stored(run) and postgres_server.password not in stored(run)
