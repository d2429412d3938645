"""Issue 24's acceptance for one non-HTTP connector, SQL on a private PostgreSQL: a recorded
test case passes offline with the server unreachable, the recording edited to a database error
runs the error expression and ends in the BPMN error, and a changed statement parameter fails
with a diff naming it. SQL replays at the connector level (the statement, its parameters and
the rows), and no connection is opened."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, RunOutcome, TemplateVersion
from connectors.runs.recordings import edit_exchange, pin_recording
from connectors.secrets.services import secret_create
from tests.builtin.test_dry_run import form_values
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.replay.conftest import run_case, save_case
from tests.services.sql_servers import SqlServer
from tests.sql.conftest import JDBC_FILE, JDBC_ID, LATEST, detailed

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("sql_servers")]

ERROR_EXPRESSION = '=if error != null then bpmnError("DB_ERROR", error.message) else null'


@pytest.fixture
def postgres(postgres_server: SqlServer) -> SqlServer:
    return postgres_server


@pytest.fixture
def jdbc(db: None) -> TemplateVersion:
    report = import_documents(
        [(JDBC_FILE, (CORPUS_DIR / JDBC_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=JDBC_ID, version=LATEST)


def sql_values(version: TemplateVersion, server: SqlServer, port: int, who: str) -> Any:
    values = detailed(server, **{"connection.password": "{{secrets.DB_PW}}"})
    values.update(
        {
            "connection.port": str(port),
            "data.query": "select :who as who, 40 + 2 as answer",
            "data.variables": f'={{who: "{who}"}}',
            "data.returnResults": True,
            "resultVariable": "sql",
            "errorExpression": ERROR_EXPRESSION,
        }
    )
    return form_values(version, values)


@pytest.fixture
def recorded(jdbc: TemplateVersion, postgres: SqlServer, loopback: None, user: Any) -> Any:
    """A test case recorded against PostgreSQL, then pointed at a port nobody listens on."""
    secret_create(name="DB_PW", value=postgres.password, allowed_hosts=["127.0.0.1"], user=user)
    values = sql_values(jdbc, postgres, postgres.port, "hub")
    case = save_case(user, jdbc, values, name="answer",
                     conditions=["variables.sql.resultSet[1].answer = 42"])  # fmt: skip
    live = run_case(case, user, offline=False)
    assert live.test_passed, live.error_message or live.test_report
    return case, live


def test_a_recorded_sql_case_passes_offline(recorded: Any, user: Any) -> None:
    case, live = recorded
    [exchange] = live.outcome_record.exchanges
    assert exchange["result"] == {"resultSet": [{"who": "hub", "answer": 42}]}
    assert exchange["parameters"] == ["hub"] and exchange["response_body"] == "1 rows"

    offline = run_case(case, user, offline=True)

    assert offline.test_passed, offline.error_message or offline.test_report
    assert offline.outcome_record.variables == {
        "sql": {"resultSet": [{"who": "hub", "answer": 42}]}
    }
    [replayed] = offline.outcome_record.exchanges
    assert replayed["status"] == "ok" and replayed["target"] == exchange["target"]


def test_the_recording_edited_to_an_error_runs_the_error_expression(
    recorded: Any, user: Any
) -> None:
    case, live = recorded
    pin_recording(test_case=case, run=live)
    edit_exchange(test_case=case, index=0,
                  fields={"result": "null", "latency_ms": "0",
                          "error": 'relation "answers" does not exist'})  # fmt: skip
    case.expected_outcome, case.expected_error_code = RunOutcome.BPMN_ERROR, "DB_ERROR"
    case.conditions = ['contains(error.message, "answers")']
    case.save()

    offline = run_case(case, user, offline=True)

    assert offline.outcome == RunOutcome.BPMN_ERROR, offline.error_message
    assert offline.outcome_record.error.message == 'relation "answers" does not exist'
    assert offline.test_passed, offline.test_report


def test_a_changed_parameter_fails_with_a_diff_naming_it(
    recorded: Any, jdbc: TemplateVersion, postgres: SqlServer, user: Any
) -> None:
    case, _ = recorded
    case.configuration.values = sql_values(jdbc, postgres, postgres.port, "someone else")
    case.configuration.save()

    offline = run_case(case, user, offline=True)

    assert offline.outcome == RunOutcome.FAILED and offline.test_passed is False
    assert 'parameters: recorded ["hub"], requested ["someone else"]' in offline.error_message
    assert "no recorded exchange matches postgresql 127.0.0.1:" in offline.error_message


def test_no_connection_is_opened_offline(
    recorded: Any, jdbc: TemplateVersion, postgres: SqlServer, user: Any
) -> None:
    """The case pointed at a listening socket (and its pinned recording with it): it passes
    offline, and nothing connected to the socket."""
    case, live = recorded
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        pin_recording(test_case=case, run=live)
        entry = case.recording["exchanges"][0]["request"]
        entry["target"] = entry["target"].replace(f":{postgres.port}/", f":{port}/")
        case.save()
        case.configuration.values = sql_values(jdbc, postgres, port, "hub")
        case.configuration.save()

        offline = run_case(case, user, offline=True)

        assert offline.test_passed, offline.error_message
        with pytest.raises(BlockingIOError):
            listener.accept()
