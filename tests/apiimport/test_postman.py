"""A Postman Collection 2.1 with folders, variables and authentication imports like an OpenAPI
description: folders as tags, variables as defaults, inherited authentication."""

from __future__ import annotations

import pytest

from connectors.apiimport.services import api_import
from connectors.elementtemplates import build_job, validate_template
from connectors.models import ImportSource, TemplateVersion
from tests.apiimport.conftest import DATA, model, preview_of, props_by_id

pytestmark = pytest.mark.django_db
COLLECTION = DATA / "shop.postman_collection.json"


def test_a_collection_with_folders_variables_and_auth() -> None:
    preview = preview_of(COLLECTION)
    assert str(preview.kind) == "Postman Collection 2.1"
    (generated,) = preview.templates
    template = generated.template
    assert validate_template(template) == []
    assert template["id"] == "io.connectorhub.api.shop-api"
    assert template["keywords"] == ["API version 3.0.1"]
    assert [op.key for op in generated.operations] == [
        "Products_List_products",
        "Products_Get_product",
        "Orders_Create_order",
    ]
    assert generated.operations[0].tags == ["Products"]
    skipped = {s.key: s.reason for s in preview.skipped}
    assert "formdata" in skipped["Products_Attach_image"]
    assert "'digest'" in skipped["Orders_Sign_in"]
    props = props_by_id(template)
    assert props["baseUrl"]["value"] == "https://api.shop.example/v3"
    assert props["Products_List_products.query.limit"]["value"] == "25"
    assert props["Products_Get_product.path.productId"]["value"] == "42"
    assert [c["value"] for c in props["authentication.type"]["choices"]] == [
        "apiKey",
        "oauth-client-credentials-flow",
    ]
    assert props["authentication.name"]["value"] == "X-Shop-Key"
    assert props["authentication.oauthTokenEndpoint"]["value"] == "https://auth.shop.example/token"

    job = build_job(model(template), {"operationId": "Products_List_products",
                                      "Products_List_products.query.q": "mug"})  # fmt: skip
    assert job.errors == {}
    assert job.variables["url"] == "https://api.shop.example/v3/products"
    assert job.variables["queryParameters"] == {"limit": "25", "q": "mug"}
    assert job.variables["headers"] == {"Accept-Language": "de"}
    order_values = {
        "operationId": "Orders_Create_order",
        "authentication.type": "oauth-client-credentials-flow",
    }
    order = build_job(model(template), order_values)
    assert order.variables["body"] == {"item": "coffee", "quantity": 2}
    assert order.variables["authentication"]["scopes"] == "orders"

    result = api_import(preview, source=ImportSource.UPLOAD)
    assert result.ok, result.errors
    assert (
        TemplateVersion.objects.get(entry__template_id="io.connectorhub.api.shop-api").version == 1
    )
