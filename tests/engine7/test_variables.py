"""Typed variables, topics, tenants and credentials on the real engine, served by the no-op
connector (it hands its `echo` input back): what a process puts in reaches the connector as
JSON, and what the connector returns lands in the engine with Camunda 7's types."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.engine7.hub import build_worker
from connectors.engine7.tasks import TaskRecord
from tests.engine7.conftest import external_task_process, serve_until, unique
from tests.services.operaton import EngineRest

pytestmark = [pytest.mark.xdist_group("operaton"), pytest.mark.django_db(transaction=True)]

NOOP = "io.connectorhub:noop:1"
LONG_TEXT = "x" * 5000  # beyond the 4,000 characters of a String variable's column


def echo_process(process_id: str, topic: str = NOOP, **properties: str) -> str:
    return external_task_process(process_id, topic, properties=properties)


def test_each_camunda7_type_reaches_the_connector_and_results_go_back_typed(
    engine: EngineRest, engine_settings: Any
) -> None:
    process_id = unique("c7-types")
    expression = (
        "={s: echo.s, b: echo.b, i: echo.i, l: echo.l, d: echo.d, js: echo.js, obj: echo.obj, "
        "none: echo.none, text: echo.js.text, items: echo.obj.items}"
    )
    engine.deploy(process_id, echo_process(process_id, resultExpression=expression))
    instance = engine.start(
        process_id,
        {
            # dotted names nest: the connector's `echo` input is one object
            "echo.s": {"type": "String", "value": "hello"},
            "echo.b": {"type": "Boolean", "value": True},
            "echo.i": {"type": "Integer", "value": 7},
            "echo.l": {"type": "Long", "value": 2**40},
            "echo.d": {"type": "Double", "value": 2.5},
            "echo.js": {"type": "Json", "value": json.dumps({"text": LONG_TEXT, "k": [1]})},
            "echo.obj": {
                "type": "Object",
                "value": json.dumps({"items": [1, 2], "name": "o"}),
                "valueInfo": {
                    "objectTypeName": "java.util.LinkedHashMap",
                    "serializationDataFormat": "application/json",
                },
            },
            "echo.none": {"type": "Null", "value": None},
        },
    )
    worker = build_worker({"job_types": [NOOP], "worker_id": unique("c7")})
    serve_until(worker, engine, lambda: engine.state(instance) == "COMPLETED", "completion")

    typed = engine.typed(instance)
    kinds = {
        name: typed[name]["type"]
        for name in ("s", "b", "i", "l", "d", "js", "obj", "none", "text", "items")
    }
    assert kinds == {
        "s": "String",
        "b": "Boolean",
        "i": "Integer",
        "l": "Long",
        "d": "Double",
        "js": "Object",
        "obj": "Object",
        "none": "Null",
        "text": "Object",
        "items": "Object",
    }
    assert typed["text"]["valueInfo"]["objectTypeName"] == "java.lang.String"
    assert typed["items"]["valueInfo"]["objectTypeName"] == "java.util.ArrayList"
    values = engine.variables(instance)
    assert [values[n] for n in ("s", "b", "i", "l", "d", "none")] == [
        "hello",
        True,
        7,
        2**40,
        2.5,
        None,
    ]
    assert values["js"] == {"text": LONG_TEXT, "k": [1]} and values["text"] == LONG_TEXT
    assert values["obj"] == {"items": [1, 2], "name": "o"} and values["items"] == [1, 2]


def test_a_variable_the_connector_reads_but_the_hub_cannot_fails_the_task_naming_it(
    engine: EngineRest, engine_settings: Any
) -> None:
    process_id = unique("c7-unreadable")
    engine.deploy(process_id, echo_process(process_id, resultVariable="out"))
    unreadable = {"type": "Bytes", "value": "aGVsbG8="}  # Camunda 7's base64 bytes
    ignored = engine.start(process_id, {"other": unreadable})  # not an input: left out
    failing = engine.start(process_id, {"echo": unreadable})
    worker = build_worker({"job_types": [NOOP], "worker_id": unique("c7")})
    serve_until(
        worker,
        engine,
        lambda: bool(engine.incidents(failing)) and engine.state(ignored) == "COMPLETED",
        "an incident and a completion",
    )

    (incident,) = engine.incidents(failing)
    assert incident["incidentMessage"].startswith(
        "variable 'echo' has type Bytes, which the hub cannot read as JSON"
    )
    assert engine.variables(ignored)["out"] == {"echo": None}


def test_a_mapped_topic_of_one_tenant_is_served_and_others_are_left_alone(
    engine: EngineRest, engine_settings: Any
) -> None:
    engine_settings.CAMUNDA7_TENANT_ID = "tenant-a"
    topic = unique("orders")
    mine, theirs = unique("c7-tenant-a"), unique("c7-no-tenant")
    engine.deploy(mine, echo_process(mine, topic, resultVariable="out"), tenant_id="tenant-a")
    engine.deploy(theirs, echo_process(theirs, topic, resultVariable="out"))
    served, left = engine.start(mine, tenant_id="tenant-a"), engine.start(theirs)
    worker = build_worker({"topics": [f"{topic}={NOOP}"], "worker_id": unique("c7")})
    records: list[TaskRecord] = []
    worker.handler.observers.append(records.append)
    serve_until(worker, engine, lambda: engine.state(served) == "COMPLETED", "completion")

    # the mapped job type is served under that topic only, not also under its own name
    assert worker.config.topics[topic] == NOOP and NOOP not in worker.config.topics
    assert [(r.topic, r.type, r.outcome) for r in records] == [(topic, NOOP, "completed")]
    assert engine.state(left) == "ACTIVE"
    engine.http.delete(f"/process-instance/{left}")


def test_wrong_credentials_are_reported_and_nothing_is_served(
    engine: EngineRest, engine_settings: Any
) -> None:
    # Another user: wrong passwords for demo would lock it (the engine's login attempt limit).
    engine_settings.CAMUNDA7_BASIC_AUTH_USERNAME = "intruder"
    engine_settings.CAMUNDA7_BASIC_AUTH_PASSWORD = "wrong"
    worker = build_worker({"job_types": [NOOP], "worker_id": unique("c7")})
    serve_until(worker, engine, lambda: worker.stats.last_error is not None, "an error")

    assert worker.stats.last_error is not None
    assert "401" in worker.stats.last_error.message
    assert "CAMUNDA7_BASIC_AUTH_USERNAME" in worker.stats.last_error.message
    assert not worker.state.connected
