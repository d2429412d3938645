"""One translation (`prepare_job`): the configure form, the jobs API, a dry-run started through
the runs API and the BPMN export refuse the same values with the same field and message, and a
dry-run runs the job the configure page previews."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from connectors.catalogue.importing import import_documents
from connectors.configure import build_form, template_for
from connectors.export.save_as import SaveAsConnectorError, save_as_connector
from connectors.models import ImportSource, Run, SavedConfiguration, TemplateVersion

TEMPLATE_ID = "test.prepare"
REST_TYPE = "io.camunda:http-json:1"  # served by the built-in REST connector and its input model
BASE = {"url": "https://shop.example/orders"}


def template() -> dict[str, Any]:
    def text(id_: str, label: str, **more: Any) -> dict[str, Any]:
        return {"id": id_, "label": label, "type": "String",
                "binding": {"type": "zeebe:input", "name": id_}, **more}  # fmt: skip

    return {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "name": "Prepare test",
        "id": TEMPLATE_ID,
        "version": 1,
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {"type": "Hidden", "value": REST_TYPE,
             "binding": {"type": "zeebe:taskDefinition", "property": "type"}},
            {"type": "Hidden", "value": "GET",
             "binding": {"type": "zeebe:input", "name": "method"}},
            text("url", "URL", feel="optional", constraints={"notEmpty": True}),
            text("connectionTimeoutInSeconds", "Connection timeout in seconds"),
            text("code", "Code", constraints={
                "pattern": {"value": "^[A-Z]+$", "message": "must be capital letters."}}),
            text("greeting", "Greeting", feel="optional"),
            {"id": "shared", "label": "Shared", "type": "Configuration",
             "configurationTemplate": "shared-settings",
             "binding": {"type": "zeebe:input", "name": "shared"}},
        ],
    }  # fmt: skip


@pytest.fixture
def version(db: Any) -> TemplateVersion:
    document = json.dumps(template()).encode()
    report = import_documents([("prepare.json", document)], source=ImportSource.COMMAND)
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=TEMPLATE_ID)


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def form_errors(version: TemplateVersion, values: dict[str, Any]) -> dict[str, list[str]]:
    return build_form(template_for(version), values).errors


def job_api_errors(api: APIClient, values: dict[str, Any]) -> dict[str, list[str]]:
    url = f"/api/v1/templates/{TEMPLATE_ID}/versions/1/job"
    response = api.post(url, {"values": values}, format="json")
    assert response.status_code == 400, response.json()
    return response.json()["errors"]


def dry_run_errors(api: APIClient, values: dict[str, Any]) -> dict[str, list[str]]:
    body = {"template_id": TEMPLATE_ID, "version": 1, "values": values}
    response = api.post("/api/v1/runs/", body, format="json")
    assert response.status_code == 400, response.json()
    assert not Run.objects.exists()
    return {
        key.removeprefix("values."): messages
        for key, messages in response.json().items()
        if key.startswith("values.")
    }


def export_errors(api: APIClient, values: dict[str, Any]) -> dict[str, list[str]]:
    url = f"/api/v1/templates/{TEMPLATE_ID}/versions/1/bpmn"
    response = api.post(url, {"values": values}, format="json")
    assert response.status_code == 400, response.content
    return response.json()["values"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"shared": "x"}, "shared", "must name a credential, as =camunda.vars.env.NAME"),
        ({"greeting": "=1 +"}, "greeting", "FEEL: "),
        ({"connectionTimeoutInSeconds": "-5"}, "connectionTimeoutInSeconds",
         "Connection timeout in seconds: must be 0 or more (the connector requires it)."),
        ({"url": ""}, "url", "URL must not be empty."),
        ({"code": "abc"}, "code", "Code must be capital letters."),
    ],
    ids=["unsupported-type", "feel-syntax", "connector-input", "required", "pattern"],
)  # fmt: skip
def test_every_entry_point_refuses_bad_values_with_the_same_field_and_message(
    api: APIClient, version: TemplateVersion, values: dict[str, Any], field: str, message: str
) -> None:
    values = {**BASE, **values}

    answers = {
        "form": form_errors(version, values),
        "job API": job_api_errors(api, values),
        "dry-run": dry_run_errors(api, values),
        "export": export_errors(api, values),
    }

    for entry_point, errors in answers.items():
        assert list(errors) == [field], (entry_point, errors)
        assert errors[field][0].startswith(message), (entry_point, errors)
    assert all(errors == answers["form"] for errors in answers.values()), answers


@pytest.mark.django_db
def test_the_export_does_not_evaluate_expressions_as_the_modeler_does_not(
    api: APIClient, version: TemplateVersion
) -> None:
    values = {**BASE, "greeting": '="Hello " + name.first'}  # `name` comes from the process
    url = f"/api/v1/templates/{TEMPLATE_ID}/versions/1/bpmn"

    response = api.post(url, {"values": values}, format="json")

    assert response.status_code == 200, response.content
    assert "Hello " in response.content.decode()


@pytest.mark.django_db
def test_a_dry_run_runs_the_job_the_configure_page_previews(
    api: APIClient, version: TemplateVersion
) -> None:
    values = {**BASE, "greeting": '="Hello " + name', "code": "ABC"}
    variables = {"name": "Ada"}
    form = build_form(template_for(version), values, variables_text=json.dumps(variables))
    preview = api.post(
        f"/api/v1/templates/{TEMPLATE_ID}/versions/1/job",
        {"values": values, "variables": variables},
        format="json",
    ).json()

    body = {"template_id": TEMPLATE_ID, "version": 1, "values": values, "variables": variables}
    response = api.post("/api/v1/runs/", body, format="json")

    assert response.status_code == 202, response.json()
    assert not form.errors and form.job == preview
    assert form.job["variables"]["greeting"] == "Hello Ada"
    ran = Run.objects.get().job
    assert ran == {key: preview[key] for key in ("type", "retries", "variables", "headers")}


@pytest.mark.django_db
def test_a_saved_configuration_the_connector_now_refuses_is_not_exported(
    client: Any, user: Any, version: TemplateVersion
) -> None:
    # Stored directly: saved before the connector's input model refused a negative timeout.
    configuration = SavedConfiguration.objects.create(
        owner=user,
        name="Orders",
        template_id=TEMPLATE_ID,
        template_version=1,
        values={**BASE, "connectionTimeoutInSeconds": "-5"},
        variables={},
    )
    client.force_login(user)
    message = "Connection timeout in seconds: must be 0 or more (the connector requires it)."

    download = client.get(f"/configurations/{configuration.pk}/process.bpmn")
    with pytest.raises(SaveAsConnectorError) as refused:
        save_as_connector(
            configuration=configuration,
            source=version.content,
            template_id="acme.orders",
            name="Orders",
            user=user,
        )

    assert download.status_code == 422
    assert f"connectionTimeoutInSeconds: {message}" in download.content.decode()
    assert refused.value.errors["values"] == [f"connectionTimeoutInSeconds: {message}"]
