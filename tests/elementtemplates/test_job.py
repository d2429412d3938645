"""Conditions, constraints and the job, on real templates (REST and email connectors)."""

from __future__ import annotations

import time
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


# -- patterns from untrusted templates ------------------------------------------------------

# Python's re took 27 s for the first pattern on this text (2**29 ways to split the a's).
CATASTROPHIC = "^(a+)+$"
SLOW_DEFAULT = "a" * 29 + "!"
# Lookbehind keeps this one on the backtracking engine, which stops it after a time limit.
BACKTRACKING = "^(a|aa)+$(?<=a)"


def patterned(*patterns: str, value: str = SLOW_DEFAULT) -> ElementTemplate:
    """A template with one text field per pattern, each with `value` as its default."""
    fields = [
        {
            "id": f"field{index}",
            "label": f"Field {index}",
            "type": "String",
            "value": value,
            "binding": {"type": "zeebe:input", "name": f"field{index}"},
            "constraints": {"pattern": {"value": pattern, "message": "only a's"}},
        }
        for index, pattern in enumerate(patterns)
    ]
    task = {"type": "Hidden", "value": "t", "binding": {"type": "zeebe:taskDefinition:type"}}
    return ElementTemplate.from_dict(
        {
            "id": "slow",
            "name": "Slow",
            "version": 1,
            "appliesTo": ["bpmn:ServiceTask"],
            "properties": [task, *fields],
        }
    )


def test_a_catastrophic_pattern_is_checked_promptly() -> None:
    # A verdict, not "could not be checked": the pattern was decided (in linear time), not
    # stopped at the time budget the backtracking engine would have run into.
    template = patterned(CATASTROPHIC)
    assert check_values(template, {}) == {"field0": ["Field 0 only a's"]}
    assert check_values(template, {"field0": "aaaa"}) == {}
    assert check_values(template, {"field0": "a" * 5_000 + "!"}) == {"field0": ["Field 0 only a's"]}


def test_a_pattern_too_slow_to_check_is_reported_on_its_field() -> None:
    started = time.monotonic()
    check_values(patterned(BACKTRACKING, value="a" * 40 + "!"), {})
    one_pattern = time.monotonic() - started  # about one time budget, on this machine now
    template = patterned(*[BACKTRACKING] * 10, value="a" * 40 + "!")
    started = time.monotonic()
    errors = check_values(template, {})
    # one time budget for the whole check, however many slow patterns the template has: not
    # the ten budgets that one per pattern would take
    assert time.monotonic() - started < 3 * one_pattern
    assert set(errors) == {f"field{index}" for index in range(10)}
    assert errors["field0"] == [
        f"Field 0 could not be checked against the pattern {BACKTRACKING}: the pattern took"
        " longer than 1.0 s on this text and was stopped; simplify the pattern."
    ]
    assert check_values(template, {f"field{i}": "aa" for i in range(10)}) == {}
