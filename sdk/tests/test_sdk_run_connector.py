"""connectorhub_sdk.testing.run_connector: a connector runs as the hub's runtime runs it."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from connectorhub_sdk import (
    JSON,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    EgressDenied,
    InputBindingError,
    connector,
)
from connectorhub_sdk.testing import run_connector
from connectorhub_sdk.types import OptionalInt, Text
from pydantic import BaseModel, Field


class CallInput(BaseModel):
    url: str
    token: str | None = None
    attempts: OptionalInt = None
    label: Text = ""
    pause: float = Field(default=0.0, ge=0)


@connector(type="test:call:1", name="Call", input=CallInput)
def call(data: CallInput, context: ConnectorContext) -> JSON:
    host = data.url.split("/")[2]
    context.check_egress(host)
    if data.pause:
        threading.Event().wait(data.pause)
    if data.url.endswith("/missing"):
        raise ConnectorError("404", "Not Found", {"response": {"status": 404}})
    return {
        "token": data.token,
        "attempts": data.attempts,
        "label": data.label,
        "remaining": context.time_remaining(),
        "masked": context.redact(f"Bearer {data.token}"),
        "retryBackoff": context.headers.get("retryBackoff"),
    }


@connector(type="test:wait:1", name="Wait", input=CallInput)
async def wait(data: CallInput, context: ConnectorContext) -> JSON:
    await asyncio.sleep(data.pause)
    return {"slept": data.pause}


def test_returns_what_the_connector_returned_with_secrets_filled_in() -> None:
    result = run_connector(
        call,
        {"url": "https://api.example.com/x", "token": "{{secrets.TOKEN}}", "attempts": "3"},
        {"retryBackoff": "PT5S"},
        secrets={"TOKEN": "s3cr3t"},
    )
    assert result == {
        "token": "s3cr3t",
        "attempts": 3,  # "3" binds as Camunda's Jackson binds it
        "label": "",
        "remaining": None,
        "masked": "Bearer ***",
        "retryBackoff": "PT5S",
    }


def test_the_bare_secret_form_is_read_too() -> None:
    result = run_connector(
        call, {"url": "https://a.b/c", "token": "x-secrets.KEY"}, secrets={"KEY": "k"}
    )
    assert result["token"] == "x-k"


def test_an_unknown_secret_is_an_input_error_naming_it() -> None:
    with pytest.raises(ConnectorInputError, match="Secret 'NOPE'"):
        run_connector(call, {"url": "https://a.b/c", "token": "{{secrets.NOPE}}"})


def test_a_binding_problem_names_the_field_and_not_the_value() -> None:
    with pytest.raises(InputBindingError) as caught:
        run_connector(
            call, {"url": "https://a.b/c", "attempts": "{{secrets.N}}"}, secrets={"N": "many"}
        )
    assert caught.value.field == "attempts"
    assert "Property: attempts: Validation failed" in caught.value.message
    assert "many" not in caught.value.message


def test_a_missing_field_says_so() -> None:
    with pytest.raises(InputBindingError, match="Property: url: Validation failed"):
        run_connector(call, {})


def test_connector_errors_are_raised_unchanged() -> None:
    with pytest.raises(ConnectorError) as caught:
        run_connector(call, {"url": "https://a.b/missing"})
    assert (caught.value.code, caught.value.variables) == ("404", {"response": {"status": 404}})


def test_allow_hosts_is_the_egress_rule() -> None:
    variables = {"url": "https://evil.example.org/x"}
    with pytest.raises(EgressDenied, match=r"evil\.example\.org"):
        run_connector(call, variables, allow_hosts=["api.example.com"])
    assert run_connector(call, variables, allow_hosts=["*.example.org"])["token"] is None
    assert run_connector(call, variables)["token"] is None  # no rule: every host


def test_the_time_limit_comes_from_the_job_timeout_header() -> None:
    result = run_connector(call, {"url": "https://a.b/c"}, {"jobTimeout": "PT1M"})
    assert 0 < result["remaining"] <= 60
    with pytest.raises(TimeoutError, match=r"test:call:1 did not finish within 0\.2 s"):
        run_connector(call, {"url": "https://a.b/c", "pause": 5}, {"jobTimeout": "PT0.2S"})


def test_time_limit_argument_wins_over_the_header() -> None:
    result = run_connector(
        call, {"url": "https://a.b/c"}, {"jobTimeout": "PT1S"}, time_limit=timedelta(minutes=5)
    )
    assert result["remaining"] > 60


def test_an_async_connector_is_awaited_within_its_limit() -> None:
    assert run_connector(wait, {"url": "https://a.b/c", "pause": 0}) == {"slept": 0}
    with pytest.raises(TimeoutError, match="test:wait:1"):
        run_connector(wait, {"url": "https://a.b/c", "pause": 5}, time_limit=0.2)


@pytest.mark.parametrize("text", ["soon", "PT0S", "P"])
def test_a_bad_job_timeout_header_names_the_header(text: str) -> None:
    with pytest.raises(ConnectorInputError, match=r"^jobTimeout: must be .*" + text):
        run_connector(call, {"url": "https://a.b/c"}, {"jobTimeout": text})
