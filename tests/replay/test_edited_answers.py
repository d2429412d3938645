"""Edited answers give the connector what a failing server would: a connection error is
Camunda's 408 "Could not connect", a latency past the read timeout is the read timeout, a SOAP
fault is SOAP_FAULT_RECEIVED, and the error expression sees each as it would live (REST and
SOAP, through the runtime core)."""

from __future__ import annotations

import json
from typing import Any

from connectors.network.recording import recording_from_exchanges
from connectors.network.replay import ReplayPolicy
from connectors.runs.stored import StoredOutcome, replay_verdict
from tests.builtin.conftest import REST_FILE, REST_ID, SOAP_FILE, SOAP_ID, run_template, template
from tests.services.http_servers import RecordingServer, Reply, soap_endpoint

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


FAULT = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Out of stock</faultstring>"
    "</soap:Fault></soap:Body></soap:Envelope>"
)


def test_a_soap_answer_edited_to_a_fault_runs_the_error_expression() -> None:
    """The SOAP connector, recorded against a local service, replayed with its answer edited
    to a SOAP fault: the fault is the coded error its error expression maps."""
    soap = template(SOAP_FILE, SOAP_ID, 2)
    with RecordingServer() as server:
        soap_endpoint(server)
        values = {
            "serviceUrl": f"{server.url}/soap",
            "soapVersion.version": "1.1",
            "soapVersion.soapAction": "urn:calc#Add",
            "body.type": "json",
            "body.json": '={"c:Add": {"c:a": 2, "c:b": 3}}',
            "namespaces": '={"c": "urn:calc"}',
            "resultVariable": "result",
            "errorExpression": '=if error.code = "SOAP_FAULT_RECEIVED" then bpmnError("NO",'
            " error.variables.response.Envelope.Body.Fault.faultstring) else null",
        }
        live = run_template(soap, values)
    assert live.kind == "completed", live
    recording = recording_from_exchanges(StoredOutcome.from_outcome(live).exchanges)
    response = recording["exchanges"][0]["response"]
    response.update(status=500, body=FAULT, headers={"Content-Type": "text/xml; charset=utf-8"})
    policy = ReplayPolicy(recording)

    outcome = run_template(soap, values, policy=policy)
    record = replay_verdict(StoredOutcome.from_outcome(outcome), policy)

    assert record.kind == "bpmn_error" and record.error is not None
    assert (record.error.code, record.error.message) == ("NO", "Out of stock")
