"""What leaves the hub for a configuration that chose a credential: the job preview (form and
jobs API), the BPMN export (as the 8.10 Modeler writes it), the run page and the logs name the
credential and never hold a value of it."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from connectors.configure import build_form, template_for
from connectors.models import SecretAuditEvent
from connectors.runs.services import run_execute, run_start
from tests.credentials.conftest import AWS_CREDENTIAL, SQS, aws_credential

pytestmark = pytest.mark.django_db

SECRET = "Credential-Secret-Key-never-shown-8"
ACCESS = "AKIACREDENTIALOUT008"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
VALUES = {"awsCredential": "=camunda.vars.env.team_aws", "queue.url": "http://127.0.0.1:9/q",
          "queue.messageBody": "hello"}  # fmt: skip


@pytest.fixture
def credential(user: Any) -> Any:
    return aws_credential(
        user, "team_aws", access_key=ACCESS, secret_key=SECRET, region="eu-west-1"
    )


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_configure_form_offers_the_users_credentials_and_previews_the_reference(
    credential: Any, sqs_version: Any, user: Any, other_user: Any
) -> None:
    aws_credential(other_user, "theirs", access_key="A", secret_key="B", region="eu-west-1")
    mine = build_form(
        template_for(sqs_version),
        VALUES,
        credentials=lambda tid: ["team_aws"] if tid == AWS_CREDENTIAL else [],
    )
    field = next(f for f in mine.fields if f.key == "awsCredential")
    assert field.kind == "select"
    assert field.choices == [("", ""), ("=camunda.vars.env.team_aws", "team_aws")]
    assert mine.job["variables"]["awsCredential"] == "{{credentials.team_aws}}"
    # the inline authentication fields are hidden once a credential is chosen, as in the Modeler
    assert "authentication.secretKey" not in {f.key for f in mine.fields}

    page = Client()
    page.force_login(user)
    html = page.get(f"/connectors/{SQS[1]}/configure/").content.decode()
    assert 'value="=camunda.vars.env.team_aws"' in html and "theirs" not in html

    job = api(user).post(
        f"/api/v1/templates/{SQS[1]}/versions/{SQS[2]}/job", {"values": VALUES}, format="json"
    )
    assert job.status_code == 200, job.json()
    assert job.json()["variables"]["awsCredential"] == "{{credentials.team_aws}}"
    assert SECRET not in job.content.decode() and ACCESS not in job.content.decode()


def test_the_export_writes_the_reference_as_the_modeler_does(
    credential: Any, sqs_version: Any, user: Any
) -> None:
    url = f"/api/v1/templates/{SQS[1]}/versions/{SQS[2]}/bpmn"
    response = api(user).post(url, {"values": VALUES}, format="json")
    assert response.status_code == 200, response.content
    xml = response.content.decode()
    assert SECRET not in xml and ACCESS not in xml
    inputs = ET.fromstring(response.content).iter(f"{ZEEBE}input")
    (chosen,) = [i for i in inputs if i.get("target") == "awsCredential"]
    assert chosen.attrib == {
        "source": "=camunda.vars.env.team_aws",
        "target": "awsCredential",
        "modelerConfigurationTemplate": AWS_CREDENTIAL,
        "modelerConfigurationName": "team_aws",
    }


def test_no_value_reaches_the_run_page_the_api_or_the_logs(
    credential: Any, sqs_version: Any, user: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    run = run_start(version=sqs_version, values=VALUES, variables={}, user=user, enqueue=False)
    done = run_execute(run.pk)
    assert done is not None and done.outcome == "failed"  # 127.0.0.1:9 is refused by the policy

    # the credential was resolved (its use is audited) before the call was refused
    assert SecretAuditEvent.objects.filter(run_id=str(run.pk), action="use").exists()
    page = Client()
    page.force_login(user)
    responses = [page.get(f"/runs/{run.pk}/"), api(user).get(f"/api/v1/runs/{run.pk}/")]
    assert [r.status_code for r in responses] == [200, 200]
    shown = [r.content.decode() for r in responses] + [caplog.text]
    for text in shown:
        assert SECRET not in text and ACCESS not in text
    assert "{{credentials.team_aws}}" in shown[1]


def test_a_deleted_credential_is_named_in_the_configure_form(sqs_version: Any) -> None:
    form = build_form(template_for(sqs_version), VALUES, credentials=lambda template_id: [])

    field = next(f for f in form.fields if f.key == "awsCredential")
    assert ("=camunda.vars.env.team_aws", "team_aws (not available)") in field.choices
    assert any("Credential team_aws is not one you can use here" in n for n in field.notes)
