"""The SQL connector on the live Zeebe worker: a process built from the current template's
inputs (the password a hub secret), run on the project's test engine against both servers;
the result reaches the process and the secret's use is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.elementtemplates import build_job
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.builtin.conftest import template, values_for
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import JDBC_FILE, JDBC_ID, LATEST, detailed
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

# one PostgreSQL and MariaDB per test session: their tests share a worker (docs/testing.md)
pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("sql_servers")]
JDBC = "io.camunda:connector-jdbc:1"


def feel(value: Any) -> str:
    """A zeebe:input source for VALUE: text as it is, anything else as a FEEL literal."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "=" + str(value).lower()
    raise TypeError(value)


@pytest.mark.django_db(transaction=True)
def test_a_live_job_runs_the_query_and_audits_the_secret(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    sql_server: SqlServer,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="DB_PW", value=sql_server.password)
    values = detailed(sql_server, **{"connection.password": "{{secrets.DB_PW}}"})
    values.update({"data.query": "select :n * 2 as twice", "data.returnResults": True})
    tpl = template(JDBC_FILE, JDBC_ID, LATEST)
    job = build_job(tpl, values_for(tpl, values))
    assert not job.errors and job.type == JDBC
    inputs = {
        f"{group}.{name}" if isinstance(fields, dict) else group: feel(value)
        for group, fields in job.variables.items()
        for name, value in (fields.items() if isinstance(fields, dict) else [("", fields)])
    }
    inputs["data.variables"] = "={n: 21}"
    process_id = unique("sql")
    bpmn = task_process(process_id, JDBC, inputs=inputs, headers={"resultVariable": "sql"})
    worker = build_worker({"address": zeebe_address, "job_types": [JDBC], "name": unique("sql")})

    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path)

    assert variables["sql"] == {"resultSet": [{"twice": 42}]}
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == JDBC
    assert sql_server.password not in repr(variables)
