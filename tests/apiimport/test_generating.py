"""What a generated template holds for a small description that uses each feature once
(data/orders.yaml): fields, constraints, servers, authentication, body, and what is left out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.apiimport.errors import ApiDescriptionError
from connectors.apiimport.generating import MAX_OPERATIONS_PER_TEMPLATE, Options
from connectors.apiimport.services import Preview, api_import, api_preview
from connectors.elementtemplates import build_job, check_values, validate_template
from connectors.models import CatalogueEntry, ImportSource
from tests.apiimport.conftest import ORDERS, model, preview_of, props_by_id

pytestmark = pytest.mark.django_db


def job_for(template: dict[str, Any], values: dict[str, Any]) -> Any:
    job = build_job(model(template), values)
    assert job.errors == {}, job.errors
    return job


def test_one_template_with_an_operation_chooser_and_each_skipped_operation_named(
    orders: Preview,
) -> None:
    assert [len(t.operations) for t in orders.templates] == [3]
    template = orders.templates[0].template
    assert template["id"] == "io.connectorhub.api.order-service"
    assert template["name"] == "Order Service"
    assert template["description"] == "Orders of a small shop. (API version 2.1.0)"
    assert template["documentationRef"] == "https://docs.shop.example/orders"
    assert validate_template(template) == []
    chooser = props_by_id(template)["operationId"]
    assert chooser["type"] == "Dropdown"
    assert [c["value"] for c in chooser["choices"]] == ["createOrder", "listOrders", "updateNote"]
    skipped = {s.key: s.reason for s in orders.skipped}
    assert "cookie" in skipped["cancelOrder"]
    assert "multipart/form-data" in skipped["uploadInvoice"]
    assert "HEAD" in skipped["ping"]


def test_parameters_become_fields_with_their_constraints(orders: Preview) -> None:
    props = props_by_id(orders.templates[0].template)
    store = props["createOrder.path.storeId"]
    assert store["constraints"]["notEmpty"] is True
    assert store["constraints"]["pattern"]["message"] == "must be a uuid"
    request_id = props["createOrder.header.X-Request-Id"]
    assert request_id["constraints"] == {"minLength": 8, "notEmpty": True}
    assert request_id["description"] == "Correlates the request in the shop's logs."
    priority = props["createOrder.query.priority"]  # an enum with a default: a dropdown
    assert priority["type"] == "Dropdown" and priority["value"] == "low"
    assert [c["value"] for c in priority["choices"]] == ["low", "high"]
    status = props["listOrders.query.status"]  # optional enum without default: checked text
    assert status["type"] == "String" and status["constraints"]["pattern"]["value"] == (
        "^(open|shipped)$"
    )
    assert props["listOrders.query.limit"]["value"] == "20"
    assert props["listOrders.query.since"]["constraints"]["pattern"]["message"] == "must be a date"
    tpl = model(orders.templates[0].template)
    problems = check_values(tpl, {"operationId": "listOrders", "listOrders.query.limit": "x"})
    assert problems["listOrders.query.limit"] == ["limit must be a integer"]


def test_servers_with_variables_are_the_base_url_choices(orders: Preview) -> None:
    base = props_by_id(orders.templates[0].template)["baseUrl"]
    assert base["type"] == "Dropdown"
    assert [(c["name"], c["value"]) for c in base["choices"]] == [
        ("Production", "https://eu.shop.example/v1"),
        ("Production (region=us)", "https://us.shop.example/v1"),
        ("Sandbox", "https://sandbox.shop.example/v1"),
    ]
    only = preview_of(ORDERS, base_url="http://127.0.0.1:9/v1").templates[0].template
    assert props_by_id(only)["baseUrl"]["value"] == "http://127.0.0.1:9/v1"


def test_the_job_is_what_the_rest_connector_reads(orders: Preview) -> None:
    template = orders.templates[0].template
    job = job_for(
        template,
        {
            "operationId": "createOrder",
            "createOrder.path.storeId": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "createOrder.header.X-Request-Id": "req-12345",
            "authentication.value": "{{secrets.SHOP_KEY}}",
        },
    )
    v = job.variables
    assert job.type == "io.camunda:http-json:1"
    assert v["method"] == "POST"
    assert v["url"] == (
        "https://eu.shop.example/v1/stores/0f8fad5b-d9cb-469f-a165-70867728950e/orders"
    )
    assert v["queryParameters"] == {"dryRun": None, "priority": "low"}
    assert v["headers"] == {"X-Request-Id": "req-12345"}
    assert v["body"] == {
        "item": "coffee",
        "quantity": 1,
        "note": "string",
        "tags": ["string"],
        "address": {"city": "Berlin"},  # the recursive type is cut short
    }
    assert v["authentication"] == {
        "type": "apiKey",
        "apiKeyLocation": "headers",
        "name": "X-API-Key",
        "value": "{{secrets.SHOP_KEY}}",
    }


def test_a_flat_body_is_one_field_per_property(orders: Preview) -> None:
    template = orders.templates[0].template
    props = props_by_id(template)
    assert props["updateNote.body.note"]["constraints"] == {"notEmpty": True}
    job = job_for(
        template,
        {"operationId": "updateNote", "updateNote.path.storeId": "s", "updateNote.path.orderId":
         "7", "updateNote.body.note": "ring twice", "authentication.type": "apiKey"},
    )  # fmt: skip
    assert job.variables["body"] == {"note": "ring twice", "rating": None}
    assert job.variables["ignoreNullValues"] is True
    assert job.variables["url"].endswith("/stores/s/orders/7")


def test_security_schemes_map_onto_the_rest_templates_authentication(orders: Preview) -> None:
    props = props_by_id(orders.templates[0].template)
    kinds = [c["value"] for c in props["authentication.type"]["choices"]]
    assert kinds == ["apiKey", "oauth-client-credentials-flow", "basic", "bearer"]
    assert props["authentication.oauthTokenEndpoint"]["value"] == "https://auth.shop.example/token"
    assert props["authentication.scopes"]["value"] == "orders:write"
    for secret in (
        "authentication.value",
        "authentication.token",
        "authentication.clientSecret",
        "authentication.password",
    ):
        assert "{{secrets." in props[secret]["description"]
        assert props[secret]["secret"] is True


def test_one_template_per_operation_on_request() -> None:
    preview = preview_of(ORDERS, per_operation=True)
    ids = [t.template["id"] for t in preview.templates]
    assert ids == [
        "io.connectorhub.api.order-service.createOrder",
        "io.connectorhub.api.order-service.listOrders",
        "io.connectorhub.api.order-service.updateNote",
    ]
    list_orders = preview.templates[1].template
    assert "operationId" not in props_by_id(list_orders)
    assert [c["value"] for c in props_by_id(list_orders)["authentication.type"]["choices"]] == [
        "basic",
        "bearer",
    ]


def test_only_the_operations_asked_for() -> None:
    preview = api_preview(
        ORDERS.read_bytes(),
        source_name="o",
        operations=["listOrders", "PATCH /stores/{storeId}/orders/{orderId}"],
    )
    assert [op.key for op in preview.templates[0].operations] == ["listOrders", "updateNote"]
    with pytest.raises(ApiDescriptionError, match="no such operation: nope"):
        api_preview(ORDERS.read_bytes(), source_name="o", operations=["nope"])


def test_ids_are_stable_and_a_new_api_version_is_a_new_template_version() -> None:
    first = api_import(preview_of(ORDERS), source=ImportSource.COMMAND)
    assert [(t.version, t.status) for t in first.templates] == [(1, "imported")]
    again = api_import(preview_of(ORDERS), source=ImportSource.COMMAND)
    assert [(t.version, t.status) for t in again.templates] == [(1, "unchanged")]
    newer = ORDERS.read_text().replace("version: 2.1.0", "version: 2.2.0")
    third = api_import(api_preview(newer, source_name="o"), source=ImportSource.COMMAND)
    assert [(t.template_id, t.version) for t in third.templates] == [
        ("io.connectorhub.api.order-service", 2)
    ]
    entry = CatalogueEntry.objects.get(template_id="io.connectorhub.api.order-service")
    assert entry.version_count == 2 and entry.kind == "template"


def test_a_large_api_is_one_template_per_tag_with_distinct_ids() -> None:
    ops = {
        f"/{tag}/{n}": {"get": {"operationId": f"{tag}_{n}", "tags": [tag],
                                "responses": {"200": {"description": "ok"}}}}
        for tag in ("Repos", "repos", "issues")
        for n in range(MAX_OPERATIONS_PER_TEMPLATE // 2 + 1)
    }  # fmt: skip
    raw = json.dumps({"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": ops})
    preview = api_preview(raw, source_name="big", options=Options(base_url="https://big.example"))
    ids = [t.template["id"] for t in preview.templates]
    assert ids == ["io.connectorhub.api.big.repos", "io.connectorhub.api.big.repos-x",
                   "io.connectorhub.api.big.issues"]  # fmt: skip
    assert [t.template["name"] for t in preview.templates][:2] == ["Big: Repos", "Big: repos"]
    assert api_import(preview, source=ImportSource.COMMAND).ok
