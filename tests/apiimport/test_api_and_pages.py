"""The API (/api/v1/api-descriptions/import) and the pages (upload or URL, preview, save), with
the catalogue import's permission; a URL is fetched under the egress policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from connectors.models import CatalogueEntry, TemplateVersion
from tests.apiimport.conftest import ORDERS
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.django_db
ORDERS_ID = "io.connectorhub.api.order-service"
API = "/api/v1/api-descriptions/import"


@pytest.fixture
def description_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        server.route("/openapi.yaml", Reply(body=ORDERS.read_bytes()))
        yield server


def post_api(client: Client, body: bytes, query: str = "") -> Any:
    return client.post(f"{API}{query}", body, content_type="application/yaml")


def test_the_api_imports_a_description_all_or_nothing(importer_client: Client) -> None:
    preview = post_api(importer_client, ORDERS.read_bytes(), "?preview=1")
    assert preview.status_code == 200
    assert preview.json()["templates"][0]["status"] == "preview"
    assert not CatalogueEntry.objects.exists()
    answer = post_api(
        importer_client, ORDERS.read_bytes(), "?per_operation=1&operations=listOrders"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["templates"] == [{
        "id": f"{ORDERS_ID}.listOrders", "version": 1, "name": "Order Service: List orders",
        "operations": ["listOrders"], "status": "imported"}]  # fmt: skip
    assert body["summary"] == "1 of 1 operations in 1 template(s)"
    bad = post_api(importer_client, b'{"openapi": "3.0.0", "info": 5}')
    assert bad.status_code == 400
    assert bad.json()["errors"][0].startswith("at /info: not a valid OpenAPI 3.0 document")


def test_the_api_needs_the_import_permission(client: Client, user: Any) -> None:
    client.force_login(user)
    answer = post_api(client, ORDERS.read_bytes())
    assert answer.status_code == 403
    assert "connectors.import_templates" in answer.json()["errors"][0]
    assert not CatalogueEntry.objects.exists()


def test_a_url_is_fetched_under_the_egress_policy(
    importer_client: Client, description_server: RecordingServer
) -> None:
    url = f"{description_server.url}/openapi.yaml"
    refused = importer_client.post(f"{API}?url={url}")
    assert refused.status_code == 400
    assert "was refused" in refused.json()["errors"][0]  # loopback is not admitted
    assert description_server.requests == []
    with override_settings(CONNECTORHUB_EGRESS_ALLOW=["127.0.0.1"]):
        answer = importer_client.post(f"{API}?url={url}&preview=1")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["summary"] == "3 of 6 operations in 1 template(s)"


def test_upload_preview_then_save(importer_client: Client) -> None:
    page = importer_client.get(reverse("api-import"))
    assert page.status_code == 200
    with ORDERS.open("rb") as handle:
        preview = importer_client.post(reverse("api-import"), {"file": handle, "url": ""})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "3 of 6 operations in 1 template(s)" in html
    assert "API key in a cookie (cookieAuth)" in html  # what is left out, and why
    assert "X-Request-Id*" in html  # the fields, required ones starred
    assert not CatalogueEntry.objects.exists()  # nothing stored by the preview
    token = preview.context["token"]
    saved = importer_client.post(reverse("api-import-save"), {"token": token})
    assert saved.status_code == 302 and saved.url == reverse("catalogue")
    assert TemplateVersion.objects.get(entry__template_id=ORDERS_ID).source == "upload"
    again = importer_client.post(reverse("api-import-save"), {"token": token})
    assert again.url == reverse("api-import")  # a preview is saved once


def test_another_user_cannot_save_someone_elses_preview(
    importer_client: Client, importer: Any, django_user_model: Any
) -> None:
    with ORDERS.open("rb") as handle:
        token = importer_client.post(reverse("api-import"), {"file": handle}).context["token"]
    other = django_user_model.objects.create_user("stella", is_staff=True)
    client = Client()
    client.force_login(other)
    answer = client.post(reverse("api-import-save"), {"token": token})
    assert answer.url == reverse("api-import")
    assert not CatalogueEntry.objects.exists()


def test_bad_input_on_the_page_names_the_problem(importer_client: Client) -> None:
    answer = importer_client.post(reverse("api-import"), {"url": "", "base_url": ""})
    assert answer.status_code == 400
    assert "choose a file or give a URL" in answer.content.decode()


def test_the_pages_need_the_import_permission(client: Client, user: Any) -> None:
    client.force_login(user)
    assert client.get(reverse("api-import")).status_code == 403


def test_relative_refs_of_a_url_are_fetched_the_same_way(importer_client: Client) -> None:
    spec = {"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"}, "paths": {"/pets": {
        "post": {"operationId": "addPet", "requestBody": {"content": {"application/json": {
            "schema": {"$ref": "schemas/pet.json#/Pet"}}}},
            "responses": {"200": {"description": "ok"}}}}}}  # fmt: skip
    pet = {"Pet": {"type": "object", "properties": {"name": {"type": "string", "example": "Rex"},
                                                    "tags": {"type": "array"}}}}  # fmt: skip
    with RecordingServer() as server:
        server.route("/v1/openapi.json", Reply(json=spec))
        server.route("/v1/schemas/pet.json", Reply(json=pet))
        with override_settings(CONNECTORHUB_EGRESS_ALLOW=["127.0.0.1"]):
            answer = importer_client.post(f"{API}?url={server.url}/v1/openapi.json")
        assert answer.status_code == 201, answer.json()
        assert [r.path for r in server.requests] == ["/v1/openapi.json", "/v1/schemas/pet.json"]
    version = TemplateVersion.objects.get(entry__template_id="io.connectorhub.api.pets")
    body = next(p for p in version.content["properties"] if p.get("id") == "addPet.body")
    assert '"name": "Rex"' in body["value"]
    base = next(p for p in version.content["properties"] if p.get("id") == "baseUrl")
    assert base["value"] == server.url  # no servers: "/" of where it was read
