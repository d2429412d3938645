"""The current JDBC template end to end through the product: imported from the pinned corpus,
form values with the password as a hub secret, a dry-run through the real Celery worker against
both servers, the exchange on the run page; and loopback refused by the network door with
REST's message when the allow-list does not admit it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, RunOutcome, SecretAuditEvent, TemplateVersion
from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, versions  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.celery_worker import loopback_allowed as allow_loopback
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import JDBC_FILE, JDBC_ID, LATEST, detailed

# one PostgreSQL and MariaDB per test session: their tests share a worker (docs/testing.md)
pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("sql_servers"),
]


@pytest.fixture(scope="module")
def strict_worker(celery_worker: Any) -> Any:
    """The session's worker with the dry-run egress policy and no allow-list from settings
    (tests/services/celery_worker.py)."""
    return celery_worker


@pytest.fixture
def jdbc(db: None) -> Any:
    report = import_documents(
        [(JDBC_FILE, (CORPUS_DIR / JDBC_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=JDBC_ID, version=LATEST)


@pytest.fixture
def loopback_allowed() -> Iterator[None]:
    """An allow-list entry for 127.0.0.1, as staff would add it (the servers are local); the
    session's worker reads the allow-list for each run."""
    with allow_loopback(note="SQL servers under test"):
        yield


def test_a_dry_run_against_both_servers_with_the_password_as_a_hub_secret(
    strict_worker: Any,
    jdbc: Any,
    loopback_allowed: None,
    postgres_server: SqlServer,
    mariadb_server: SqlServer,
    user: Any,
    client: Client,
) -> None:
    secret_create(name="DB_PW", value=postgres_server.password, allowed_hosts=["127.0.0.1"])
    client.force_login(user)
    for server in (postgres_server, mariadb_server):
        values = detailed(server, **{"connection.password": "{{secrets.DB_PW}}"})
        values.update(
            {
                "data.query": "select :who as who, 40 + 2 as answer",
                "data.variables": '={who: "hub"}',
                "data.returnResults": True,
                "resultVariable": "sql",
            }
        )
        run = dry_run(jdbc, values, user)

        assert run.outcome == RunOutcome.COMPLETED, run.error_message
        assert run.outcome_record.variables == {
            "sql": {"resultSet": [{"who": "hub", "answer": 42}]}
        }
        [exchange] = run.outcome_record.exchanges
        protocol = "postgresql" if server.kind == "postgresql" else "mysql"
        target = f"127.0.0.1:{server.port}/{server.database}"
        assert (exchange["protocol"], exchange["target"]) == (protocol, target)
        assert exchange["status"] == "ok" and exchange["response_body"] == "1 rows"
        assert "-- parameters: ['hub']" in exchange["request_body"]

        page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
        assert "<h3>Exchanges</h3>" in page and target in page
        assert "select :who as who, 40 + 2 as answer" in page
        assert server.password not in page
        assert server.password not in str(run.stored_outcome)
    uses = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert uses.count() == 2


def test_a_connection_to_loopback_is_refused_with_rests_message(
    strict_worker: Any,
    jdbc: Any,
    versions: dict[str, Any],  # noqa: F811
    postgres_server: SqlServer,
) -> None:
    values = detailed(postgres_server, **{"data.query": "select 1", "data.returnResults": True})
    sql = dry_run(jdbc, values)
    port = postgres_server.port
    rest = dry_run(versions[REST_ID], {"method": "GET", "url": f"http://127.0.0.1:{port}/"})

    assert sql.outcome == RunOutcome.FAILED
    assert "a loopback address (rule 'loopback')" in sql.error_message
    assert sql.error_message == rest.error_message
    assert sql.outcome_record.trace.error["type"] == rest.outcome_record.trace.error["type"]
    assert sql.outcome_record.retries == 0
