"""Every version of Camunda's http-polling templates (intermediate catch event and boundary
event) binds: the element's intervals to the poller's input, and, for one waiting instance, the
request properties (FEEL evaluated on its variables) to the REST connector's request. The
intermediate versions also activate from a deployed process (tests/inbound/test_corpus.py
deploys them with every other inbound template)."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.inbound import ActiveInstance
from connectorhub_sdk.inbound_testing import InboundTestContext, unflatten

from connectors.builtin.http.polling import TYPE, PollingInput, request_for
from connectors.elementtemplates import ElementTemplate
from connectors.inbound.correlation import evaluate
from tests.elementtemplates.corpus import corpus_templates

pytestmark = pytest.mark.xdist_group("zeebe-engine")


def polling_templates() -> list[dict[str, Any]]:
    return [
        t
        for t in corpus_templates()
        if any(p.get("value") == TYPE for p in t.get("properties", []))
    ]


def properties_of(template: dict[str, Any]) -> dict[str, Any]:
    """The element's properties as the modeler writes them: each default, and a URL built
    from a process variable."""
    model = ElementTemplate.from_dict(template)
    values: dict[str, Any] = {}
    for prop in model.properties:
        if prop.binding.type == "zeebe:property" and prop.value not in (None, ""):
            values[prop.binding.name] = prop.value
    values["url"] = '="https://api.example.com/orders/" + orderId'
    return values


@pytest.mark.parametrize(
    "template", polling_templates(), ids=lambda t: f"{t['id']}-v{t.get('version')}"
)
def test_every_http_polling_template_version_binds(template: dict[str, Any]) -> None:
    properties = properties_of(template)
    data = PollingInput.model_validate(unflatten(properties))
    assert data.request_interval > 0 and data.process_interval > 0

    context = InboundTestContext(properties, evaluate=evaluate)
    instance = ActiveInstance(1, 2, "wait", {"orderId": "A7"})
    request = request_for(context, instance)
    assert (request.method, request.url) == ("GET", "https://api.example.com/orders/A7")


def test_the_corpus_has_both_template_families() -> None:
    ids = {t["id"] for t in polling_templates()}
    assert ids == {
        "io.camunda.connectors.http.Polling",
        "io.camunda.connectors.http.Polling.Boundary",
    }
    assert len(polling_templates()) >= 16
