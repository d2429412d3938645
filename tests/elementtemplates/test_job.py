"""Conditions, constraints and the job, on real templates (REST and email connectors)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from connectors.elementtemplates.job import (
    active_properties,
    bpmn_view,
    build_job,
    check_values,
    field_key,
)

from .corpus import corpus_template, corpus_templates


@pytest.fixture(scope="module")
def rest() -> ElementTemplate:
    return ElementTemplate.from_dict(corpus_template("io.camunda.connectors.HttpJson.v2"))


@pytest.fixture(scope="module")
def email() -> ElementTemplate:
    return ElementTemplate.from_dict(corpus_template("io.camunda.connectors.email.v1"))


def keys(template: ElementTemplate, values: dict[str, Any] | None = None) -> set[str]:
    return {field_key(p) for p in active_properties(template, values)}


def test_field_keys(rest: ElementTemplate) -> None:
    all_keys = [field_key(p) for p in rest.properties]
    assert "url" in all_keys and "authentication.type" in all_keys
    assert "zeebe:taskDefinition:type" in all_keys
    headers = [
        p
        for data in corpus_templates()
        for p in ElementTemplate.from_dict(data).properties
        if p.id is None and p.binding.type == "zeebe:taskHeader"
    ]
    assert "zeebe:taskHeader:resultVariable" in {field_key(p) for p in headers}
    assert len(set(all_keys)) == len(all_keys)


def test_rest_authentication_types(rest: ElementTemplate) -> None:
    assert "authentication.token" not in keys(rest)  # default: no authentication
    bearer = keys(rest, {"authentication.type": "bearer"})
    assert "authentication.token" in bearer and "authentication.username" not in bearer
    basic = keys(rest, {"authentication.type": "basic"})
    assert {"authentication.username", "authentication.password"} <= basic
    assert "authentication.token" not in keys(rest, {"authentication.type": "noAuth"})


def test_email_protocol_chain(email: ElementTemplate) -> None:
    smtp = keys(email)  # smtp is the default protocol
    assert {"smtpCryptographicProtocol", "data.smtpActionDiscriminator", "contentType"} <= smtp
    assert "imapSortField" not in smtp
    imap = keys(email, {"protocol": "imap"})
    # Chained: the imap sort fields need the imap action, which needs the imap protocol.
    assert {"imapCryptographicProtocol", "data.imapActionDiscriminator", "imapSortField"} <= imap
    assert "contentType" not in imap and "smtpCryptographicProtocol" not in imap
    other_action = keys(
        email, {"protocol": "imap", "data.imapActionDiscriminator": "readEmailImap"}
    )
    assert "imapSortField" not in other_action


def test_inactive_fields_contribute_nothing(rest: ElementTemplate) -> None:
    job = build_job(rest, {"authentication.token": "abc", "url": "https://example.com"})
    assert job.variables["authentication"] == {"type": "noAuth"}


def test_rest_job(rest: ElementTemplate) -> None:
    values = {
        "url": "https://example.com/{{secrets.PATH}}",
        "authentication.type": "bearer",
        "authentication.token": "{{secrets.TOKEN}}",
        "connectionTimeoutInSeconds": 5,
        "followRedirects": True,
    }
    assert check_values(rest, values) == {}
    job = build_job(rest, values)
    assert job.type == "io.camunda:http-json:1" and job.retries == 3
    assert job.variables["authentication"] == {"type": "bearer", "token": "{{secrets.TOKEN}}"}
    assert job.variables["url"] == "https://example.com/{{secrets.PATH}}"
    assert job.variables["connectionTimeoutInSeconds"] == 5
    assert job.variables["followRedirects"] is True
    assert job.headers["retryBackoff"] == "PT30S"
    view = bpmn_view(rest, values)
    assert {"source": "=5", "target": "connectionTimeoutInSeconds"} in view.inputs
    assert {"source": "=true", "target": "followRedirects"} in view.inputs


def test_expressions_use_process_variables(rest: ElementTemplate) -> None:
    job = build_job(rest, {"url": '="https://" + host + "/x"'}, {"host": "example.org"})
    assert job.variables["url"] == "https://example.org/x"
    broken = build_job(rest, {"url": "=1 +"}, {})
    assert list(broken.errors) == ["url"]


def test_constraints_and_tampering(rest: ElementTemplate) -> None:
    assert check_values(rest, {}) == {"url": ["URL must not be empty."]}
    errors = check_values(
        rest,
        {
            "url": "ftp://example.com",
            "method": "BREW",
            "unknown": 1,
            "connectionTimeoutInSeconds": "soon",
            "followRedirects": "yes",
            "zeebe:taskDefinition:type": "other-type",
        },
    )
    assert errors["url"] == ["URL Must be a http(s) URL"]
    assert errors["method"] == ["is not one of the choices"]
    assert errors["unknown"] == ["this template has no such field"]
    assert errors["connectionTimeoutInSeconds"] == ["must be a number"]
    assert errors["followRedirects"] == ["must be true or false"]
    assert errors["zeebe:taskDefinition:type"] == ["this field cannot be changed"]
    # A tampered hidden value never reaches the job.
    assert build_job(rest, {"zeebe:taskDefinition:type": "other-type"}).type == (
        "io.camunda:http-json:1"
    )
