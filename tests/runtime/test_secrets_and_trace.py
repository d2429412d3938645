"""Secrets are resolved in the variables, masked everywhere a failure or a trace shows them, and
a run's trace (timings, logs, HTTP exchanges) is JSON-serialisable for storage."""

from __future__ import annotations

import json
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, HttpExchange, connector
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.runs.stored import StoredOutcome
from connectors.runtime import BpmnErrorOutcome, Completed, Failed, JobRequest, run_job
from connectors.secrets import MappingSecretProvider

from .conftest import SECRETS

TOKEN = SECRETS["TOKEN"]


def test_connector_receives_resolved_secrets(run: Any) -> None:
    outcome = run(
        {"respond": {"auth": "Bearer {{secrets.TOKEN}}", "user": "secrets.USER"}},
        {"resultVariable": "r"},
    )
    assert isinstance(outcome, Completed)
    # what the process receives is what Camunda would send: the real value
    assert outcome.variables == {"r": {"auth": f"Bearer {TOKEN}", "user": SECRETS["USER"]}}
    stored = StoredOutcome.from_outcome(outcome)
    assert stored.variables == {"r": {"auth": "Bearer ***", "user": "***"}}
    assert stored.response == {"auth": "Bearer ***", "user": "***"}
    assert stored.trace is not None and stored.trace.secrets_used == ["TOKEN", "USER"]
    assert TOKEN not in json.dumps(stored.dump())


def test_headers_are_not_resolved(run: Any) -> None:
    # Camunda replaces secrets in the variables only; a header keeps its text
    outcome = run({"respond": {}}, {"resultExpression": '={h: "{{secrets.TOKEN}}"}'})
    assert isinstance(outcome, Completed)
    assert outcome.variables == {"h": "{{secrets.TOKEN}}"}


def test_missing_secret_fails_without_retries_and_names_it(run: Any) -> None:
    outcome = run(
        {"respond": "{{secrets.NOPE}} and {{secrets.TOKEN}}", "crash": "{{secrets.TOKEN}}"}
    )
    assert isinstance(outcome, Failed)
    assert outcome.retries == 0
    assert outcome.message.startswith("Secret with name 'NOPE' is not available")
    assert TOKEN not in outcome.message


def test_secret_in_exception_message_and_error_variables_is_masked(run: Any) -> None:
    outcome = run(
        {
            "error_code": "401",
            "error_message": "rejected token {{secrets.TOKEN}}",
            "error_variables": {
                "response": {"body": {"echo": "{{secrets.TOKEN}}"}, "{{secrets.TOKEN}}": 1}
            },
        }
    )
    assert isinstance(outcome, Failed)
    assert TOKEN not in outcome.message
    assert "rejected token ***" in outcome.message
    assert outcome.variables == {
        "error": {
            "type": "io.camunda.connector.api.error.ConnectorException",
            "message": "rejected token ***",
            "code": "401",
            "variables": {"response": {"body": {"echo": "***"}, "***": 1}},
        }
    }
    assert TOKEN not in json.dumps(StoredOutcome.from_outcome(outcome).dump())


def test_error_expression_sees_masked_error_and_outcome_stays_masked(run: Any) -> None:
    expression = "bpmnError(error.code, error.message, {raw: error.variables})"
    outcome = run(
        {
            "error_code": "E",
            "error_message": "{{secrets.TOKEN}}",
            "error_variables": {"t": "{{secrets.TOKEN}}"},
        },
        {"errorExpression": expression},
    )
    assert isinstance(outcome, BpmnErrorOutcome)
    assert outcome.message == "***"
    assert outcome.variables == {"raw": {"t": "***"}}


def test_job_error_message_built_from_a_secret_is_masked(run: Any) -> None:
    outcome = run(
        {"respond": {"t": "{{secrets.TOKEN}}"}}, {"errorExpression": 'jobError("bad " + t)'}
    )
    assert isinstance(outcome, Failed)
    assert outcome.message == "bad *** | Error variables: {error=bad ***}"
    assert outcome.variables == {"error": "bad ***"}


def test_logs_are_captured_masked_and_in_the_trace(run: Any) -> None:
    outcome = run({"respond": 1, "log": "{{secrets.TOKEN}}"})
    logs = StoredOutcome.from_outcome(outcome).logs
    assert [(entry["level"], entry["message"]) for entry in logs] == [("INFO", "calling with ***")]


class HttpInput(BaseModel):
    url: str
    token: str


@connector(type="test:http-recorder:1", name="Recorder", input=HttpInput)
def recorder(data: HttpInput, context: ConnectorContext) -> JSON:
    context.check_egress("api.example.com")
    context.exchanges.record(
        HttpExchange(
            method="GET",
            url=data.url,
            request_headers={"Authorization": f"Bearer {data.token}"},
            status=200,
            response_body="x" * 70_000,
            duration_ms=1.5,
        )
    )
    return {"ok": True}


class HostListProvider:
    """A provider that also knows where each secret may be sent."""

    def __init__(self, values: dict[str, str], hosts: dict[str, list[str]]) -> None:
        self.values, self.hosts = values, hosts

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def allowed_hosts(self, name: str) -> list[str]:
        return self.hosts.get(name, [])


def _recorder_registry() -> Registry:
    registry = Registry()
    registry.register(recorder, "builtin:tests")
    return registry


def test_exchanges_are_redacted_and_truncated_in_the_trace() -> None:
    job = JobRequest("test:http-recorder:1", {"url": "https://api.example.com/{{secrets.TOKEN}}",
                                             "token": "{{secrets.TOKEN}}"})  # fmt: skip
    provider = HostListProvider(SECRETS, {"TOKEN": ["api.example.com"]})
    outcome = run_job(job, secrets=provider, registry=_recorder_registry())
    assert isinstance(outcome, Completed)
    [exchange] = StoredOutcome.from_outcome(outcome).exchanges
    assert exchange["url"] == "https://api.example.com/***"
    assert exchange["request_headers"] == {"Authorization": "Bearer ***"}
    assert len(exchange["response_body"]) == 65_536
    assert exchange["response_body_truncated"] == 70_000


def test_egress_to_a_host_a_secret_may_not_reach_fails_without_retries() -> None:
    job = JobRequest(
        "test:http-recorder:1", {"url": "https://api.example.com", "token": "{{secrets.TOKEN}}"}
    )
    provider = HostListProvider(SECRETS, {"TOKEN": ["*.slack.com"]})
    outcome = run_job(job, secrets=provider, registry=_recorder_registry())
    assert isinstance(outcome, Failed)
    assert outcome.retries == 0
    assert outcome.message.startswith("Secret 'TOKEN' may not be sent to api.example.com")


def test_stored_outcome_is_json_with_timings(run: Any) -> None:
    stored = StoredOutcome.from_outcome(run({"respond": {"a": 1}}, {"resultVariable": "r"}))
    json.dumps(stored.dump())
    assert stored.kind == "completed" and stored.trace is not None
    assert set(stored.trace.timings_ms) == {"secrets", "validation", "call", "mapping"}
    assert stored.duration_ms is not None
    assert stored.duration_ms >= max(stored.trace.timings_ms.values())
    failed = StoredOutcome.from_outcome(run({"crash": "x"}, {"retryBackoff": "PT1.5S"}))
    assert (failed.kind, failed.retries, failed.backoff_ms) == ("failed", 2, 1500.0)
    assert failed.trace is not None
    assert failed.trace.error == {"type": "RuntimeError", "message": "x"}


def test_host_lists_can_come_from_the_caller() -> None:
    # the hub passes connectors.secrets.store.allowed_hosts_for; any callable works
    job = JobRequest("test:http-recorder:1", {"url": "https://x", "token": "{{secrets.TOKEN}}"})
    lists = {"TOKEN": ["hooks.slack.com"]}
    provider = MappingSecretProvider(SECRETS)
    denied = run_job(job, secrets=provider, registry=_recorder_registry(), allowed_hosts=lists.get)
    assert isinstance(denied, Failed) and denied.retries == 0
    allowed = run_job(job, secrets=provider, registry=_recorder_registry(),
                      allowed_hosts=lambda name: ["api.example.com"])  # fmt: skip
    assert isinstance(allowed, Completed)


class _UndecryptableProvider:
    """A provider whose stored TOKEN was encrypted under another key (the database provider
    raises SecretDecryptError then); the other secrets read normally."""

    def get(self, name: str) -> str | None:
        from connectors.secrets import SecretDecryptError

        if name == "BROKEN":
            raise SecretDecryptError(name)
        return SECRETS.get(name)


def test_secret_that_cannot_be_decrypted_fails_without_retries_and_masks_the_others(
    registry: Registry,
) -> None:
    job = JobRequest(
        "test:fake:1",
        {"respond": "{{secrets.TOKEN}}", "crash": "{{secrets.BROKEN}} {{secrets.TOKEN}}"},
        retries=3,
    )
    outcome = run_job(job, secrets=_UndecryptableProvider(), registry=registry)
    assert isinstance(outcome, Failed)
    assert outcome.retries == 0
    assert outcome.message.startswith("Secret 'BROKEN' cannot be decrypted")
    assert outcome.trace.error is not None
    assert outcome.trace.error["type"].endswith("ConnectorInputException")
    assert TOKEN not in json.dumps(StoredOutcome.from_outcome(outcome).dump())
