"""A credential typed in plain text into a concealed field shows as *** on the run pages and in
the runs API (as on the configuration page), also where the connector carried it further (a
bearer header, an echoing response, an error message); the stored run keeps it for re-runs."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.urls import reverse

from connectors.models import Run, SavedConfiguration
from connectors.runs.services import run_execute, run_rerun, run_start
from connectors.runs.testcases import save_test_case
from connectors.secrets import MappingSecretProvider

from .conftest import respond_url

pytestmark = pytest.mark.django_db
TYPED = "typed-pw-Qx7v-3kLm"


@pytest.fixture(autouse=True)
def local_egress(settings: Any) -> None:
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]  # the local server is on loopback


def http_run(user: Any, catalogue: dict, test_registry: Any, values: dict) -> Run:
    run = run_start(version=catalogue["test.http"], values=values, variables={}, user=user,
                    enqueue=False)  # fmt: skip
    done = run_execute(run.pk, secrets=MappingSecretProvider({}), registry=test_registry)
    assert done is not None
    return done


def echoing(http_server: Any, token: str = TYPED, **values: Any) -> dict[str, Any]:
    """Values for a GET to the local server with a bearer TOKEN, which the server echoes."""
    return {"url": respond_url(http_server, 200, {"echo": token}), "token": token, **values}


def spellings_in(text: str) -> list[str]:
    forms = [TYPED, base64.b64encode(TYPED.encode()).decode(), json.dumps(TYPED)[1:-1]]
    return [form for form in forms if form in text]


def test_the_run_page_masks_a_typed_credential_everywhere(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any, http_server: Any
) -> None:
    run = http_run(user, catalogue, test_registry, echoing(http_server))
    assert run.outcome == "completed", run.stored_outcome
    assert TYPED in json.dumps(run.outcome_record.exchanges)  # the connector did send it ...
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert spellings_in(html) == []  # ... but the page shows it nowhere
    assert "&quot;token&quot;: &quot;***&quot;" in html  # values and job: masked in place
    assert "Bearer ***" in html  # the exchange's header
    live = signed_in_client.get(reverse("run-live", args=[run.pk]), {"seen": "queued"})
    assert spellings_in(live.content.decode()) == []


def test_the_runs_api_masks_a_typed_credential_and_the_stored_run_keeps_it(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any, http_server: Any
) -> None:
    run = http_run(user, catalogue, test_registry, echoing(http_server))
    response = signed_in_client.get(f"/api/v1/runs/{run.pk}/")
    assert spellings_in(response.content.decode()) == []
    data = response.json()
    assert data["values"]["token"] == "***" and data["job"]["variables"]["token"] == "***"
    assert data["result"]["result"]["body"] == {"echo": "***"}
    assert data["http_exchanges"][0]["request_headers"]["Authorization"] == "Bearer ***"
    assert data["values"]["url"].startswith(http_server.url)  # the rest of the text stays
    # stored as typed: a re-run sends the credential again
    assert Run.objects.get(pk=run.pk).values["token"] == TYPED
    http_server.requests.clear()
    again = run_execute(
        run_rerun(run=run, user=user).pk,
        secrets=MappingSecretProvider({}),
        registry=test_registry,
    )
    assert again is not None and again.outcome == "completed"
    assert http_server.requests[-1]["headers"]["Authorization"] == f"Bearer {TYPED}"
    rerun = signed_in_client.post(f"/api/v1/runs/{run.pk}/rerun/")
    assert rerun.status_code == 202 and spellings_in(rerun.content.decode()) == []


def test_an_error_message_holding_the_credential_is_masked_in_the_lists(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any, http_server: Any
) -> None:
    values = echoing(
        http_server, errorExpression='=bpmnError("E1", error.variables.response.body.echo)'
    )
    values["url"] = respond_url(http_server, 401, {"echo": TYPED})
    run = http_run(user, catalogue, test_registry, values)
    assert run.outcome == "bpmn_error" and TYPED in run.error_message, run.stored_outcome
    for url in (reverse("run-list"), reverse("connector-runs", args=["test.http"])):
        html = signed_in_client.get(url).content.decode()
        assert f"#{run.pk}" in html and spellings_in(html) == [], url
    listed = signed_in_client.get("/api/v1/runs/").json()["results"][0]
    assert listed["error_message"] == "***"


def test_a_secret_reference_is_shown_as_it_is(
    signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    run = run_start(version=catalogue["test.http"], values={"url": "https://example.com",
                    "token": "{{secrets.API_TOKEN}}"}, variables={}, user=user,
                    enqueue=False)  # fmt: skip
    data = signed_in_client.get(f"/api/v1/runs/{run.pk}/").json()
    assert data["values"]["token"] == "{{secrets.API_TOKEN}}"
    assert data["job"]["variables"]["token"] == "{{secrets.API_TOKEN}}"


def test_the_test_case_table_masks_a_credential_in_a_verdict(
    signed_in_client: Any, user: Any, catalogue: dict, test_registry: Any, http_server: Any
) -> None:
    values = echoing(http_server)
    configuration = SavedConfiguration.objects.create(
        owner=user, name="echo", template_id="test.http", template_version=1, values=values
    )
    case = save_test_case(configuration=configuration, conditions=["response.body.echo"])
    run = run_start(version=catalogue["test.http"], values=values, variables={}, user=user,
                    configuration=configuration, test_case=case, enqueue=False)  # fmt: skip
    done = run_execute(run.pk, secrets=MappingSecretProvider({}), registry=test_registry)
    assert done is not None and TYPED in json.dumps(done.test_report)  # "gave <the value>"
    html = signed_in_client.get(reverse("connector-tests", args=["test.http"])).content.decode()
    assert "response.body.echo" in html and 'gave "***"' in html.replace("&quot;", '"')
    assert spellings_in(html) == []
