"""Camunda 7 exports for the external task worker: a template for every registered connector,
valid under the Camunda 7 schema and the Modeler's own validator, and the BPMN of a configured
REST connector, which deploys on Operaton and completes through the worker."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.engine7.hub import build_worker
from connectors.export import (
    Camunda7ExportError,
    external_task_bpmn,
    external_task_template,
    external_task_templates,
    validate_camunda7,
)
from connectors.registry import default_registry
from tests.engine7.conftest import REST, serve_until, unique
from tests.export.conftest import modeler_verdicts, newest_rest_template
from tests.services.http_servers import RecordingServer, Reply
from tests.services.operaton import EngineRest

pytestmark = [pytest.mark.xdist_group("operaton"), pytest.mark.django_db(transaction=True)]


def by_binding(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["binding"]["type"], p["binding"]["name"]): p for p in template["properties"]}


def test_every_registered_connector_exports_a_valid_camunda7_external_task_template() -> None:
    templates = external_task_templates()

    assert len(templates) == len(default_registry().all())
    assert [validate_camunda7(t) for t in templates] == [[] for _ in templates]
    verdicts = modeler_verdicts([("camunda7", t) for t in templates])
    assert [
        (t["id"], v["valid"], v["errors"][:2]) for t, v in zip(templates, verdicts, strict=True)
    ] == [(t["id"], True, []) for t in templates]
    rest = by_binding(next(t for t in templates if t["id"].startswith("io.camunda.http-json")))
    assert rest["property", "camunda:type"]["value"] == "external"
    assert rest["property", "camunda:topic"] == {
        "type": "Hidden",
        "value": REST,
        "binding": {"type": "property", "name": "camunda:topic"},
    }
    assert ("camunda:inputParameter", "url") in rest
    assert ("camunda:inputParameter", "authentication.type") in rest
    assert {"resultVariable", "resultExpression", "errorExpression", "retryBackoff"} <= {
        name for kind, name in rest if kind == "camunda:property"
    }


def test_the_official_rest_template_converts_with_its_literal_defaults_as_text() -> None:
    converted = by_binding(external_task_template(newest_rest_template()))

    assert converted["camunda:property", "retries"]["value"] == "3"
    assert converted["camunda:inputParameter", "method"]["value"] == "GET"
    assert validate_camunda7(external_task_template(newest_rest_template())) == []


def test_templates_and_values_camunda7_cannot_express_are_refused_with_reasons() -> None:
    inbound = {
        "id": "acme.inbound",
        "version": 1,
        "name": "Inbound",
        "appliesTo": ["bpmn:StartEvent"],
        "elementType": {"value": "bpmn:StartEvent"},
        "properties": [
            {
                "type": "Hidden",
                "value": "x",
                "binding": {"type": "bpmn:Message#property", "name": "name"},
            }
        ],
    }
    with pytest.raises(Camunda7ExportError) as refused:
        external_task_template(inbound)
    assert any("bpmn:Message#property" in r for r in refused.value.reasons)
    assert any("no job type" in r for r in refused.value.reasons)

    with pytest.raises(Camunda7ExportError) as refused:
        external_task_bpmn(newest_rest_template(), {"url": '="http://x/" + string(n)'})
    assert refused.value.reasons == ['input url: a FEEL expression (="http://x/" + string(n))']


def test_an_exported_rest_process_runs_on_operaton_through_the_worker(
    engine: EngineRest, engine_settings: Any
) -> None:
    with RecordingServer() as server:
        server.route("/orders/7", Reply(json={"id": 7, "state": "shipped"}))
        process_id = unique("c7-export")
        bpmn = external_task_bpmn(
            newest_rest_template(),
            {
                "method": "GET",
                "url": "${base}/orders/${orderId}",  # JUEL, evaluated by the engine
                "resultVariable": "order",
                "resultExpression": "={orderState: response.body.state}",
            },
            process_id=process_id,
        )
        engine.deploy(process_id, bpmn)
        instance = engine.start(
            process_id,
            {
                "base": {"type": "String", "value": server.url},
                "orderId": {"type": "Integer", "value": 7},
            },
        )
        worker = build_worker({"job_types": [REST], "worker_id": unique("c7")})
        serve_until(worker, engine, lambda: engine.state(instance) == "COMPLETED", "completion")
        assert server.count("/orders/7") == 1

    variables = engine.variables(instance)
    assert variables["orderState"] == "shipped"
    assert variables["order"]["status"] == 200
    assert variables["order"]["body"] == {"id": 7, "state": "shipped"}
