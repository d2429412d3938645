"""Every template of the pinned corpus that carries a `Configuration` property (Camunda 8.10:
AWS, email, REST/GraphQL/HTTP polling, SQL, Kafka and Slack; outbound and inbound): its embedded
configuration template draws as a credential form (secret fields as password fields), and a
chosen credential reaches the job (outbound: the input evaluates to the marker, no value) and
the BPMN export exactly as the Modeler writes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from connectors.credentials.definitions import as_template, secret_keys
from connectors.credentials.references import marker
from connectors.elementtemplates import ElementTemplate, field_key, prepare_job
from connectors.export.bpmn import BpmnExportError, template_bpmn
from connectors.forms import build_form
from tests.elementtemplates.corpus import corpus_templates

ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
WITH_CONFIGURATION = [t for t in corpus_templates() if t.get("configurationTemplates")]


def label(raw: dict[str, Any]) -> str:
    return f"{raw['id']}-v{raw.get('version')}"


def test_the_corpus_has_the_templates_the_issue_names() -> None:
    ids = {c["id"] for t in WITH_CONFIGURATION for c in t["configurationTemplates"]}
    assert ids == {
        "io.camunda:aws-credential:1",
        "io.camunda.connectors:email-account:1",
        "io.camunda.connectors:email-account-imap:1",
        "io.camunda.connectors:rest-authentication:1",
        "io.camunda.connectors:jdbc-connection:1",
        "io.camunda.connectors:kafka-connection:1",
        "io.camunda.connectors:slack-signing-secret:1",
        "io.camunda.connectors:slack-token:1",
    }
    assert len(WITH_CONFIGURATION) >= 38


@pytest.mark.parametrize("raw", WITH_CONFIGURATION, ids=label)
def test_each_configuration_template_draws_as_a_credential_form(raw: dict[str, Any]) -> None:
    for definition in raw["configurationTemplates"]:
        template = as_template(definition)
        form = build_form(template, {})
        drawn = {f.key: f for f in form.fields}
        assert drawn, definition["id"]
        for key in secret_keys(template) & set(drawn):
            assert drawn[key].masked, (definition["id"], key)


@pytest.mark.parametrize("raw", WITH_CONFIGURATION, ids=label)
def test_a_chosen_credential_reaches_the_job_and_the_export(raw: dict[str, Any]) -> None:
    template = ElementTemplate.from_dict(raw)
    (prop,) = [p for p in template.properties if p.type == "Configuration"]
    values = {field_key(prop): "=camunda.vars.env.team_cred"}

    prepared = prepare_job(template, values, {})

    assert field_key(prop) not in prepared.errors, prepared.errors
    name = prop.binding.name or ""
    if prop.binding.type == "zeebe:input":
        node: Any = prepared.job.variables
        for part in name.split("."):
            node = node[part]
        assert node == marker("team_cred")
    else:  # inbound: a zeebe:property, read by the inbound runtime as written
        assert prepared.job.properties[name] == "=camunda.vars.env.team_cred"
    try:
        xml = template_bpmn(template, values)
    except BpmnExportError:
        return  # boundary events and the like: applied in the Modeler, not by this export
    tag = "input" if prop.binding.type == "zeebe:input" else "property"
    key = "target" if tag == "input" else "name"
    (written,) = [e for e in ET.fromstring(xml).iter(f"{ZEEBE}{tag}") if e.get(key) == name]
    assert written.get("modelerConfigurationTemplate") == prop.configuration_template
    assert written.get("modelerConfigurationName") == "team_cred"
    assert written.get("source" if tag == "input" else "value") == "=camunda.vars.env.team_cred"
