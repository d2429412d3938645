"""The Camunda 7 worker on a real Operaton engine: a REST connector's external task served
end to end (variables in, typed variables out, read back from the history API), a BPMN error
caught by a boundary event, retries run down to an incident with the redacted message, and a
hub secret resolved and audited. Every request goes through the engine's basic authentication.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.engine7.hub import build_worker
from connectors.engine7.tasks import TaskRecord
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.engine7.conftest import REST, external_task_process, serve_until, unique
from tests.services.http_servers import RecordingServer, Reply
from tests.services.operaton import EngineRest

pytestmark = [pytest.mark.xdist_group("operaton"), pytest.mark.django_db(transaction=True)]

TOKEN = "tok-Sup3r-s3cret-value"


def string(value: str) -> dict[str, Any]:
    return {"type": "String", "value": value}


def test_a_rest_task_completes_with_typed_variables_and_its_secret_is_audited(
    engine: EngineRest, engine_settings: Any
) -> None:
    engine_settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret = secret_create(name="ORDERS_TOKEN", value=TOKEN)
    with RecordingServer() as server:
        server.route("/orders/7", Reply(json={"id": 7, "state": "shipped", "lines": [1, 2]}))
        process_id = unique("c7-rest")
        engine.deploy(
            process_id,
            external_task_process(
                process_id,
                REST,
                inputs={
                    "method": "GET",
                    "url": "${base}/orders/${orderId}",
                    "authentication.type": "bearer",
                    "authentication.token": "{{secrets.ORDERS_TOKEN}}",
                },
                properties={
                    "resultVariable": "order",
                    "resultExpression": "={orderState: response.body.state, n: 40 + 2}",
                },
            ),
        )
        instance = engine.start(
            process_id, {"base": string(server.url), "orderId": {"type": "Integer", "value": 7}}
        )
        worker = build_worker({"job_types": [REST], "worker_id": unique("c7")})
        serve_until(worker, engine, lambda: engine.state(instance) == "COMPLETED", "completion")
        assert server.last("/orders/7").header("Authorization") == f"Bearer {TOKEN}"

    variables = engine.variables(instance)
    assert variables["orderState"] == "shipped" and variables["n"] == 42
    assert variables["order"]["status"] == 200
    assert variables["order"]["body"] == {"id": 7, "state": "shipped", "lines": [1, 2]}
    typed = engine.typed(instance)
    assert typed["orderState"]["type"] == "String" and typed["n"]["type"] == "Integer"
    assert typed["order"]["type"] == "Object"
    assert typed["order"]["valueInfo"]["serializationDataFormat"] == "application/json"
    assert TOKEN not in json.dumps(variables)
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.secret_id == secret.pk and use.job_type == REST
    assert use.source == SecretAuditEvent.Source.LIVE and use.detail.startswith("external task ")
    assert worker.stats.totals["completed"] == 1


def test_an_error_expression_throws_a_bpmn_error_that_a_boundary_event_catches(
    engine: EngineRest, engine_settings: Any
) -> None:
    with RecordingServer() as server:
        server.route("/stock", Reply(status=404, json={"sku": "A-1", "reason": "sold out"}))
        process_id = unique("c7-bpmn-error")
        engine.deploy(
            process_id,
            external_task_process(
                process_id,
                REST,
                inputs={"method": "GET", "url": f"{server.url}/stock"},
                properties={
                    "errorExpression": (
                        '=if error.code = "404" then bpmnError("OUT_OF_STOCK", '
                        '"Sold out: " + error.variables.response.body.sku, '
                        "{why: error.variables.response.body.reason}) else null"
                    )
                },
                error_boundary="OUT_OF_STOCK",
            ),
        )
        instance = engine.start(process_id)
        worker = build_worker({"job_types": [REST], "worker_id": unique("c7")})
        serve_until(worker, engine, lambda: engine.state(instance) == "COMPLETED", "completion")

    assert (
        engine.count(
            "/history/activity-instance", processInstanceId=instance, activityId="caughtEnd"
        )
        == 1
    )
    # the error's variables reached the process; the normal end was not
    assert engine.variables(instance)["why"] == "sold out"
    assert (
        engine.count("/history/activity-instance", processInstanceId=instance, activityId="end")
        == 0
    )
    assert worker.stats.totals["bpmn_error"] == 1


def test_retries_run_down_to_an_incident_whose_message_is_redacted(
    engine: EngineRest, engine_settings: Any
) -> None:
    engine_settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="FLAKY_TOKEN", value=TOKEN)
    with RecordingServer() as server:
        # The server names the token in its answer: the worker must not pass it on.
        server.route("/flaky", Reply(status=503, reason=f"Down for {TOKEN}", json={"x": 1}))
        process_id = unique("c7-incident")
        engine.deploy(
            process_id,
            external_task_process(
                process_id,
                REST,
                inputs={
                    "method": "POST",
                    "url": f"{server.url}/flaky",
                    "authentication.type": "bearer",
                    "authentication.token": "{{secrets.FLAKY_TOKEN}}",
                },
                properties={"retries": "3", "retryBackoff": "PT1S"},
            ),
        )
        instance = engine.start(process_id)
        worker = build_worker({"job_types": [REST], "worker_id": unique("c7")})
        records: list[TaskRecord] = []
        worker.handler.observers.append(records.append)
        serve_until(worker, engine, lambda: bool(engine.incidents(instance)), "an incident")
        calls = server.count("/flaky")

    assert calls == 3  # the engine handed the task out again twice, then no more
    (incident,) = engine.incidents(instance)
    message = incident["incidentMessage"]
    assert "***" in message and TOKEN not in message
    assert [(r.outcome, r.retries, r.retry_timeout_ms) for r in records] == [
        ("failed", 2, 1000),
        ("failed", 1, 1000),
        ("failed", 0, 1000),
    ]
    failures = [entry for entry in engine.external_task_log(instance) if entry["failureLog"]]
    assert len(failures) == 3
    for entry in failures:
        assert TOKEN not in (entry["errorMessage"] or "")
        details = engine.http.get(f"/history/external-task-log/{entry['id']}/error-details")
        assert details.status_code == 200 and details.text and TOKEN not in details.text
    assert worker.stats.totals["failed"] == 3


def test_a_call_longer_than_the_lock_keeps_its_task(
    engine: EngineRest, engine_settings: Any
) -> None:
    """Lock 2 s, a call of 5 s: the lock is extended while the call runs, so the engine does
    not hand the task out again (the same worker would fetch it and call a second time)."""
    with RecordingServer() as server:
        server.route("/slow", Reply(json={"done": True}, delay=5))
        process_id = unique("c7-slow")
        engine.deploy(
            process_id,
            external_task_process(
                process_id,
                REST,
                inputs={"method": "GET", "url": f"{server.url}/slow"},
                properties={"resultVariable": "out"},
            ),
        )
        instance = engine.start(process_id)
        worker = build_worker(
            {"job_types": [REST], "worker_id": unique("c7"), "lock_duration": 2.0}
        )
        serve_until(worker, engine, lambda: engine.state(instance) == "COMPLETED", "completion")
        calls = server.count("/slow")

    assert calls == 1
    assert engine.variables(instance)["out"]["body"] == {"done": True}


def test_a_stop_unlocks_the_task_still_running_after_the_grace_period(
    engine: EngineRest, engine_settings: Any
) -> None:
    """The engine may hand the task out at once, rather than when its lock (300 s) expires."""
    with RecordingServer() as server:
        server.route("/stuck", Reply(json={}, delay=30))
        process_id = unique("c7-stop")
        engine.deploy(
            process_id,
            external_task_process(
                process_id, REST, inputs={"method": "GET", "url": f"{server.url}/stuck"}
            ),
        )
        instance = engine.start(process_id)
        worker = build_worker({"job_types": [REST], "worker_id": unique("c7"), "grace_period": 0.5})
        serve_until(worker, engine, lambda: server.count("/stuck") == 1, "the call")

    (task,) = engine._ok(engine.http.get("/external-task", params={"processInstanceId": instance}))
    assert task["lockExpirationTime"] is None and task["workerId"] is None
    assert engine.state(instance) == "ACTIVE"
    engine.http.delete(f"/process-instance/{instance}")
