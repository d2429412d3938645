"""Issue 24's acceptance for REST: a test case recorded against a local server passes offline
once the server is stopped; its pinned recording edited to a 404 runs the error expression and
ends in the BPMN error; a changed query parameter fails with a diff that names it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import RunOutcome, TemplateVersion
from connectors.runs.recordings import edit_exchange, pin_recording
from connectors.runs.services import run_execute, run_rerun
from tests.replay.conftest import rest_values, run_case, save_case
from tests.services.http_servers import RecordingServer

pytestmark = pytest.mark.django_db


def test_a_recorded_rest_case_passes_offline_after_the_server_is_stopped(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any
) -> None:
    conditions = ['variables.items = ["a", "b"]', "response.status = 200"]
    case = save_case(user, rest, rest_values(rest, api.url), conditions=conditions)
    live = run_case(case, user, offline=False)
    assert live.test_passed, live.test_report
    assert api.count("/items") == 1
    api.stop()

    offline = run_case(case, user, offline=True)

    assert offline.replay is not None and offline.test_passed, offline.error_message
    assert offline.outcome_record.variables == {"items": ["a", "b"]}
    [exchange] = offline.outcome_record.exchanges  # the replayed exchange is on the run page
    assert exchange["status"] == 200 and exchange["url"].endswith("/items?page=1")
    assert api.count("/items") == 1  # the stopped server was never asked


def test_the_recording_edited_to_a_404_runs_the_error_expression(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any, client: Client
) -> None:
    case = save_case(
        user, rest, rest_values(rest, api.url), outcome=RunOutcome.BPMN_ERROR, code="NOT_FOUND"
    )
    live = run_case(case, user, offline=False)
    assert live.outcome == RunOutcome.COMPLETED and live.test_passed is False
    pin_recording(test_case=case, run=live)
    edit_exchange(
        test_case=case,
        index=0,
        fields={"status": "404", "headers": '{"Content-Type": "application/json"}',
                "body": '{"message": "gone"}', "latency_ms": "0", "error": ""},
    )  # fmt: skip
    api.stop()

    offline = run_case(case, user, offline=True)

    assert offline.outcome == RunOutcome.BPMN_ERROR, offline.error_message
    assert offline.test_passed, offline.test_report
    record = offline.outcome_record
    assert (record.error.code, record.error.message) == ("NOT_FOUND", "no such item")
    assert record.variables == {"status": "404"}
    client.force_login(user)
    page = client.get(reverse("run-detail", args=[offline.pk])).content.decode()
    assert "NOT_FOUND" in page and "no such item" in page


def test_a_changed_query_parameter_fails_with_a_diff_naming_it(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any
) -> None:
    case = save_case(user, rest, rest_values(rest, api.url, page="1"))
    run_case(case, user, offline=False)
    api.stop()
    configuration = case.configuration
    configuration.values = rest_values(rest, api.url, page="2")
    configuration.save()

    offline = run_case(case, user, offline=True)

    assert offline.outcome == RunOutcome.FAILED and offline.test_passed is False
    message = offline.error_message
    assert "no recorded exchange matches GET" in message
    assert 'query parameter \'page\': recorded ["1"], requested ["2"]' in message
    assert offline.outcome_record.error.code == "REPLAY_MISMATCH"


def test_a_rerun_of_an_offline_run_stays_offline(
    rest: TemplateVersion, api: RecordingServer, loopback: None, user: Any
) -> None:
    case = save_case(user, rest, rest_values(rest, api.url))
    run_case(case, user, offline=False)
    api.stop()
    offline = run_case(case, user, offline=True)

    again = run_rerun(run=offline, user=user)

    assert again.replay == offline.replay
    done = run_execute(again.pk)
    assert done is not None and done.test_passed, done.error_message
