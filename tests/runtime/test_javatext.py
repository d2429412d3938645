"""One rule for JSON values as Java text (connectorhub_sdk.javatext), and each place a user sees it.

`1e20` used to read `1E20` in a failure's error variables and a BPMN error code,
`100000000000000000000` in a REST header, `1e+20` in a result key, a form body, a SOAP
template and a FEEL context key. Camunda holds such a number as a Double: `1.0E20` everywhere.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from connectorhub_sdk import ConnectorContext, connector
from connectorhub_sdk.javatext import (
    double_to_string,
    duration_to_string,
    java_text,
    key_text,
    number_text,
    parse_duration,
    scalar_text,
)
from connectorhub_sdk.types import feel_text, feel_text_map
from pydantic import BaseModel

from connectors import feel
from connectors.builtin.http.mustache import render
from connectors.builtin.http.rest import request_body
from connectors.registry import Registry
from connectors.runtime import BpmnErrorOutcome, Completed, Failed, JobRequest, run_job


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e20, "1.0E20"),
        (100.0, "100.0"),
        (1.5, "1.5"),
        (0.001, "0.001"),
        (1e-4, "1.0E-4"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.5, "1.23456785E7"),
        (-1.5e-7, "-1.5E-7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_double_to_string_is_javas(value: float, text: str) -> None:
    assert double_to_string(value) == text


def test_the_other_rules() -> None:
    # a whole double inside a long's range was a Long in Camunda (JavaValueMapper)
    assert [number_text(v) for v in (20, 20.0, 1e20, 2.5)] == ["20", "20", "1.0E20", "2.5"]
    assert [scalar_text(v) for v in ("x", True, 1e20, None)] == ["x", "true", "1.0E20", None]
    assert java_text({"a": [1, 2.0, None, "x"], 1.5: {"b": 1e20}}) == (
        "{a=[1, 2.0, null, x], 1.5={b=1.0E20}}"
    )
    assert [key_text(k) for k in (True, None, 3, 1e20)] == ["true", "null", "3", "1.0E20"]
    with pytest.raises(TypeError, match="not a JSON key: tuple"):
        key_text((1, 2))


@pytest.mark.parametrize(
    ("text", "micros"),
    [("PT0S", 0), ("PT24H", 86_400_000_000), ("PT-1M-30S", -90_000_000), ("PT-0.5S", -500_000)],
)
def test_durations_read_and_print_as_java(text: str, micros: int) -> None:
    assert duration_to_string(micros) == text
    assert parse_duration(text) == timedelta(microseconds=micros)


# -- where a user sees it ---------------------------------------------------------------------


def test_error_variables_in_a_failure_message(run: Any) -> None:
    outcome = run({"error_code": "E1", "error_variables": {"big": 1e20, "small": 1e-5}}, {})
    assert isinstance(outcome, Failed)
    assert "variables={big=1.0E20, small=1.0E-5}" in outcome.message


def test_a_numeric_bpmn_error_code(run: Any) -> None:
    expression = '{errorType: "bpmnError", errorCode: 100000000000000000000}'
    outcome = run({"respond": 1}, {"errorExpression": expression})
    assert isinstance(outcome, BpmnErrorOutcome)
    assert outcome.code == "1.0E20"


class NoInput(BaseModel):
    """No input."""


@connector(type="test:float-keys:1", name="Float keys", input=NoInput)
def float_keys(data: NoInput, context: ConnectorContext) -> Any:
    return {1e20: "big", 2.5: "half", True: "yes"}


def test_a_result_key_that_is_a_number(provider: Any) -> None:
    registry = Registry()
    registry.register(float_keys, "builtin:tests.runtime")
    job = JobRequest("test:float-keys:1", {}, {"resultVariable": "r"})
    outcome = run_job(job, secrets=provider, registry=registry)
    assert isinstance(outcome, Completed)
    assert outcome.variables == {"r": {"1.0E20": "big", "2.5": "half", "true": "yes"}}


def test_rest_text_inputs() -> None:
    assert feel_text_map({"X-Big": 1e20, "X-Whole": 20.0}) == {"X-Big": "1.0E20", "X-Whole": "20"}
    assert feel_text("=100000000000000000000") == "1.0E20"


def test_rest_form_body() -> None:
    headers: dict[str, str | None] = {"Content-Type": "application/x-www-form-urlencoded"}
    body, _ = request_body("POST", {"n": 1e20, "m": 2.5}, headers, ignore_nulls=False)
    assert body == b"n=1.0E20&m=2.5"


def test_soap_template_value() -> None:
    assert render("<n>{{n}}</n>", {"n": 1e20}) == "<n>1.0E20</n>"


def test_feel_context_key() -> None:
    entries = feel.evaluate("get entries(m)", {"m": {1e20: "a", None: "b"}})
    assert [entry["key"] for entry in entries] == ["1.0E20", "null"]
