"""Edited answers give the connector what a failing server would: a connection error is
Camunda's 408 "Could not connect", a latency past the read timeout is the read timeout, and the
error expression sees each as it would live (REST, through the runtime core)."""

from __future__ import annotations

import json
from typing import Any

from connectors.network.recording import recording_from_exchanges
from connectors.network.replay import ReplayPolicy
from connectors.runs.stored import StoredOutcome, replay_verdict
from tests.builtin.conftest import REST_FILE, REST_ID, run_template, template
from tests.services.http_servers import RecordingServer, Reply

REST = template(REST_FILE, REST_ID, 18)
CODE_AS_BPMN = '=if error != null then bpmnError("E" + error.code, error.message) else null'


def recorded(values: dict[str, Any]) -> dict[str, Any]:
    with RecordingServer() as server:
        server.route("/a", Reply(json={"ok": True}))
        live = run_template(REST, {**values, "url": f"{server.url}/a"})
        assert live.kind == "completed", live
        return recording_from_exchanges(StoredOutcome.from_outcome(live).exchanges)


def replayed(recording: dict[str, Any], values: dict[str, Any]) -> StoredOutcome:
    url = recording["exchanges"][0]["request"]["url"]
    policy = ReplayPolicy(json.loads(json.dumps(recording)))
    outcome = run_template(REST, {**values, "url": url}, policy=policy)
    return replay_verdict(StoredOutcome.from_outcome(outcome), policy)


def test_a_connection_error_is_camundas_408() -> None:
    values = {"method": "GET", "errorExpression": CODE_AS_BPMN}
    recording = recorded(values)
    recording["exchanges"][0]["error"] = "Connection refused"

    record = replayed(recording, values)

    assert record.kind == "bpmn_error" and record.error is not None
    assert record.error.code == "E408"
    assert "Could not connect to 127.0.0.1:" in (record.error.message or "")
    assert "Connection refused" in (record.error.message or "")


def test_a_latency_past_the_read_timeout_is_a_read_timeout() -> None:
    values = {"method": "GET", "readTimeoutInSeconds": "1", "errorExpression": CODE_AS_BPMN}
    recording = recorded(values)
    recording["exchanges"][0]["latency_ms"] = 5000

    record = replayed(recording, values)

    assert record.kind == "bpmn_error" and record.error is not None
    assert record.error.code == "E408"
    assert "timed out" in (record.error.message or "")


def test_a_short_latency_is_waited_and_answered() -> None:
    values = {"method": "GET", "resultVariable": "r"}
    recording = recorded(values)
    recording["exchanges"][0]["latency_ms"] = 50

    record = replayed(recording, values)

    assert record.kind == "completed" and record.variables["r"]["body"] == {"ok": True}
    [exchange] = record.exchanges
    assert exchange["duration_ms"] >= 50  # the wait is part of the exchange, as a server's
