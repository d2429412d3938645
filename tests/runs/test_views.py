"""The run pages: history, a run's page in each state, the live fragment, re-run, the start
form, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from connectors.models import Run, RunOutcome, RunStatus
from connectors.runs.services import run_execute, run_start
from connectors.secrets import MappingSecretProvider

pytestmark = pytest.mark.django_db


def done_run(
    user: Any, catalogue: dict, test_registry: Any, values: dict, template: str = "test.echo"
) -> Run:
    run = run_start(version=catalogue[template], values=values, variables={}, user=user,
                    enqueue=False)  # fmt: skip
    return run_execute(run.pk, secrets=MappingSecretProvider({}), registry=test_registry)


def test_history_lists_runs_overall_and_per_connector(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    echo = done_run(user, catalogue, test_registry, {"text": "a"})
    noop = done_run(user, catalogue, test_registry, {}, "io.connectorhub.noop")
    overall = signed_in_client.get(reverse("run-list")).content.decode()
    assert f"#{echo.pk}" in overall and f"#{noop.pk}" in overall
    mine = signed_in_client.get(reverse("connector-runs", args=["test.echo"])).content.decode()
    assert f"#{echo.pk}" in mine and f"#{noop.pk}" not in mine
    assert "Runs of Test echo" in mine


def test_history_filters_by_outcome_with_an_htmx_fragment(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    ok = done_run(user, catalogue, test_registry, {"text": "a"})
    bad = done_run(user, catalogue, test_registry, {"text": "b", "fail": True})
    response = signed_in_client.get(
        reverse("run-list"), {"outcome": "failed"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="run-rows">')
    assert f"#{bad.pk}" in html and f"#{ok.pk}<" not in html


def test_done_run_page_shows_outcome_result_variables_logs_and_timing(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = done_run(user, catalogue, test_registry, {"text": "hello", "resultVariable": "out"})
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'data-outcome="completed"' in html
    assert "hx-trigger" not in html.split('id="run-live"')[1].split(">")[0]
    assert "&quot;out&quot;" in html and "echoing hello" in html
    assert "Timing waterfall" in html and "Validation" in html
    assert f"/connectors/test.echo/versions/1/configure/?run={run.pk}" in html


def test_failed_run_page_shows_the_error_mapping(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = done_run(
        user, catalogue, test_registry,
        {"text": "x", "fail": True, "errorExpression": '=bpmnError("E1", error.message)'},
    )  # fmt: skip
    assert run.outcome == RunOutcome.BPMN_ERROR
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "would throw BPMN error <code>E1</code>: failed with x" in html
    assert "io.camunda.connector.api.error.ConnectorException" in html  # error.type


def test_queued_run_page_polls_and_live_answers_200_then_286(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = run_start(version=catalogue["test.echo"], values={"text": "a"}, variables={},
                    user=user, enqueue=False)  # fmt: skip
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="load delay:0.5s, every 1s, run-changed"' in html
    assert f'hx-get="{reverse("run-live", args=[run.pk])}"' in html
    live = signed_in_client.get(reverse("run-live", args=[run.pk]), {"seen": "queued"})
    assert live.status_code == 200 and b"Waiting for a worker" in live.content
    assert "HX-Trigger-After-Swap" not in live  # nothing changed
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    live = signed_in_client.get(reverse("run-live", args=[run.pk]), {"seen": "queued"})
    assert live.status_code == 200 and "run-changed" in live["HX-Trigger-After-Swap"]
    Run.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    run_execute(run.pk, secrets=MappingSecretProvider({}), registry=test_registry)
    live = signed_in_client.get(reverse("run-live", args=[run.pk]), {"seen": "queued"})
    assert live.status_code == 286 and b'data-outcome="completed"' in live.content


def test_live_fragment_of_a_deleted_run_stops_polling(signed_in_client: Any) -> None:
    response = signed_in_client.get(reverse("run-live", args=[999]), {"seen": "queued"})
    assert response.status_code == 286 and b"deleted" in response.content


def test_unknown_run_is_404(signed_in_client: Any) -> None:
    assert signed_in_client.get(reverse("run-detail", args=[999])).status_code == 404


def test_rerun_starts_a_new_run_with_the_same_input(
    signed_in_client: Any, catalogue: dict, test_registry: Any, user: Any
) -> None:
    run = done_run(user, catalogue, test_registry, {"text": "again"})
    response = signed_in_client.post(reverse("run-rerun", args=[run.pk]))
    new = Run.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "run-detail", args=[new.pk]
    )
    assert (new.values, new.rerun_of, new.created_by) == (run.values, run, user)


def test_start_form_runs_json_values_and_names_bad_fields(
    signed_in_client: Any, catalogue: dict
) -> None:
    url = reverse("run-create")
    bad = signed_in_client.post(url, {"template": "test.echo", "values": '{"fail": 3}'})
    assert bad.status_code == 200
    assert "fail: must be true or false" in bad.content.decode()
    not_json = signed_in_client.post(url, {"template": "test.echo", "values": "{"})
    assert "Not valid JSON" in not_json.content.decode()
    missing = signed_in_client.post(url, {"template": "nope", "values": "{}"})
    assert "No connector with template id" in missing.content.decode()
    assert not Run.objects.exists()
    good = signed_in_client.post(
        url, {"template": "test.echo", "values": '{"text": "=name"}', "variables": '{"name": "x"}'}
    )
    run = Run.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse("run-detail", args=[run.pk])
    assert run.job["variables"]["text"] == "x" and run.status == RunStatus.QUEUED


def test_start_form_is_prefilled_from_a_run(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = done_run(user, catalogue, test_registry, {"text": "prefill-me"})
    html = signed_in_client.get(reverse("run-create"), {"from": run.pk}).content.decode()
    assert "prefill-me" in html and 'value="test.echo"' in html


def test_pages_need_a_signed_in_user(client: Any) -> None:
    response = client.get(reverse("run-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_deeply_nested_json_is_a_field_error_not_a_crash(
    signed_in_client: Any, catalogue: dict
) -> None:
    url = reverse("run-create")
    too_deep_to_parse = "[" * 100_000 + "]" * 100_000
    response = signed_in_client.post(
        url, {"template": "test.echo", "values": '{"text": "x"}', "variables": too_deep_to_parse}
    )
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    parsable = '{"a": ' * 100 + "1" + "}" * 100  # json reads it; the run refuses it
    response = signed_in_client.post(
        url, {"template": "test.echo", "values": '{"text": "x"}', "variables": parsable}
    )
    assert "is nested more than 64 levels deep" in response.content.decode()
    assert not Run.objects.exists()


def test_runs_belong_to_whoever_started_them(
    client: Any, user: Any, other_user: Any, catalogue: dict, test_registry: Any
) -> None:
    """Someone else's run answers 404 everywhere; the history lists only one's own runs."""
    theirs = done_run(other_user, catalogue, test_registry, {"text": "typed-into-a-password"})
    mine = done_run(user, catalogue, test_registry, {"text": "my own"})
    client.force_login(user)
    for url in (
        reverse("run-detail", args=[theirs.pk]),
        reverse("run-live", args=[theirs.pk]) + "?seen=queued",
        reverse("run-create") + f"?from={theirs.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "typed-into-a-password" not in response.content.decode()
    assert client.post(reverse("run-rerun", args=[theirs.pk])).status_code == 404
    for url in (reverse("run-list"), reverse("connector-runs", args=["test.echo"])):
        html = client.get(url).content.decode()
        assert f"#{mine.pk}</a>" in html and f"#{theirs.pk}</a>" not in html, url
    assert client.get(reverse("run-detail", args=[mine.pk])).status_code == 200
    assert Run.objects.count() == 2  # the refused re-run started nothing

    other_user.is_staff = True  # staff see every run
    other_user.save()
    client.force_login(other_user)
    html = client.get(reverse("run-list")).content.decode()
    assert f"#{mine.pk}</a>" in html and f"#{theirs.pk}</a>" in html
    assert client.get(reverse("run-detail", args=[mine.pk])).status_code == 200


def test_a_staff_user_sees_whose_secrets_a_re_run_of_someone_elses_run_uses(
    client: Any, user: Any, other_user: Any, catalogue: dict, test_registry: Any
) -> None:
    theirs = done_run(user, catalogue, test_registry, {"text": "https://collector.example:8443/x"})
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)
    html = client.get(reverse("run-detail", args=[theirs.pk])).content.decode()
    notice = html.split('id="someone-elses-run"')[1].split("</div>")[0]
    assert "This is ada\u2019s run" in notice
    assert "<code>collector.example:8443</code>" in notice  # where its values send requests
    assert "<em>Re-run</em> uses ada\u2019s secret permissions" in notice
    assert "your own run and uses your secrets" in notice

    response = client.post(reverse("run-rerun", args=[theirs.pk]))
    new = Run.objects.exclude(pk=theirs.pk).get()
    assert (new.created_by, new.secrets_as) == (other_user, user)
    page = client.get(response["Location"]).content.decode()
    assert "ada\u2019s, who started the original run" in page.split('id="run-secrets-as"')[1]
    assert 'id="someone-elses-run"' not in page  # the re-run is the staff user's own


def test_a_run_of_a_deleted_user_cannot_be_re_run(
    client: Any, user: Any, other_user: Any, catalogue: dict, test_registry: Any
) -> None:
    theirs = done_run(user, catalogue, test_registry, {"text": "x"})
    user.delete()
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)
    response = client.post(reverse("run-rerun", args=[theirs.pk]))
    assert response.status_code == 400
    assert "the user who started it no longer exists" in response.content.decode()
    assert Run.objects.count() == 1


def _outside_details(html: str) -> str:
    """The page as read without opening any collapsed detail."""
    import re

    return re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)


def test_a_failed_run_shows_its_message_once_and_camundas_text_in_one_detail(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = done_run(user, catalogue, test_registry, {"text": "boom", "fail": True})
    assert run.outcome == RunOutcome.FAILED
    assert " | Error variables: " in run.error_message  # Camunda 8.9's incident text

    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()

    shown = _outside_details(html)
    assert shown.count("failed with boom") == 1
    assert "Error variables" not in shown
    assert html.count("Incident text as Camunda shows it") == 1
    incident = html.split('id="incident-text"')[1].split("</details>")[0]
    assert "failed with boom | Error variables: {" in incident
    history = signed_in_client.get(reverse("run-list")).content.decode()
    row = history.split(f"#{run.pk}")[1].split("</tr>")[0]
    assert ">failed with boom<" in row  # the message, not the incident text


def test_a_run_no_connector_here_serves_says_to_export_it(
    signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    from connectors.registry import load_registry

    run = done_run(user, catalogue, load_registry(plugins=[]), {"text": "x"})
    assert "No connector is registered" in run.error_message

    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()

    shown = _outside_details(html)
    assert "runs on Camunda\u2019s connector runtime" in shown
    assert f'href="{reverse("export")}?id=test.echo"' in shown
    assert "Timing waterfall" not in html
    assert 'class="error error-message"' not in html


def test_a_run_that_returned_a_job_result_shows_it_on_its_page_and_in_the_api(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any
) -> None:
    run = done_run(user, catalogue, test_registry, {"element": "lookUpOrder"}, "test.plan")
    assert run.outcome == RunOutcome.COMPLETED
    job_result = {
        "type": "adHocSubProcess",
        "activateElements": [{"elementId": "lookUpOrder", "variables": {"orderId": 7}}],
        "isCompletionConditionFulfilled": False,
        "isCancelRemainingInstances": False,
    }
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'id="run-job-result"' in html and "&quot;lookUpOrder&quot;" in html
    api = signed_in_client.get(f"/api/v1/runs/{run.pk}/").json()
    assert api["result"]["job_result"] == job_result
    plain = done_run(user, catalogue, test_registry, {"text": "a"})
    page = signed_in_client.get(reverse("run-detail", args=[plain.pk])).content.decode()
    assert 'id="run-job-result"' not in page
