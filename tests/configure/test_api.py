"""POST /api/v1/templates/{id}/versions/{version}/job and /api/v1/configurations/."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from connectors.models import SavedConfiguration, TemplateVersion

from .conftest import REST_ID, import_corpus


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def job_url(version: TemplateVersion) -> str:
    return f"/api/v1/templates/{REST_ID}/versions/{version.version}/job"


@pytest.mark.django_db
def test_job(api: APIClient, rest_version: TemplateVersion) -> None:
    body = {
        "values": {
            "url": '="https://shop.example/orders/" + string(orderId)',
            "authentication.type": "bearer",
            "authentication.token": "{{secrets.SHOP_TOKEN}}",
            "followRedirects": True,
            "connectionTimeoutInSeconds": 5,
            "zeebe:taskHeader:resultVariable": "order",
        },
        "variables": {"orderId": 42},
    }
    # The REST template names its result variable by id; the binding form addresses it too.
    body["values"]["resultVariable"] = body["values"].pop("zeebe:taskHeader:resultVariable")
    response = api.post(job_url(rest_version), body, format="json")
    assert response.status_code == 200, response.json()
    job = response.json()
    assert set(job) == {"type", "retries", "variables", "headers", "properties"}
    assert job["type"] == "io.camunda:http-json:1" and job["retries"] == 3
    variables = job["variables"]
    assert variables["url"] == "https://shop.example/orders/42"
    assert variables["authentication"] == {"type": "bearer", "token": "{{secrets.SHOP_TOKEN}}"}
    assert variables["followRedirects"] is True  # typed, as the Modeler writes =true
    assert variables["connectionTimeoutInSeconds"] == 5
    assert job["headers"]["resultVariable"] == "order"
    assert job["headers"]["elementTemplateId"] == REST_ID


@pytest.mark.django_db
def test_fields_without_id_are_addressed_by_binding(api: APIClient) -> None:
    version = 6
    import_corpus("io.camunda.connectors.GitHub.v1", version=version)
    values = {"operationGroup": "references", "zeebe:input:sha": "a" * 40}
    url = f"/api/v1/templates/io.camunda.connectors.GitHub.v1/versions/{version}/job"
    response = api.post(url, {"values": values}, format="json")
    assert response.status_code == 400  # other required fields are still empty
    assert "zeebe:input:sha" not in response.json()["errors"]
    short = api.post(url, {"values": {**values, "zeebe:input:sha": "abc"}}, format="json")
    assert short.json()["errors"]["zeebe:input:sha"] == ["SHA must have at least 40 characters."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"values": {"url": "ftp://x"}}, "url", "Must be a http(s) URL"),
        ({"values": {"url": "https://x", "method": "TRACE"}}, "method", "choices"),
        ({"values": {"url": "https://x", "followRedirects": "yes"}}, "followRedirects", "true"),
        ({"values": {"url": "https://x", "connectionTimeoutInSeconds": "soon"}},
         "connectionTimeoutInSeconds", "number"),
        ({"values": {"url": "https://x", "isAdmin": True}}, "isAdmin", "no such field"),
        ({"values": {"url": "https://x", "id": "evil"}}, "id", "cannot be changed"),
        ({"values": {"url": "=1 +"}}, "url", "FEEL"),
        ({"values": {"url": "=x.y"}, "variables": {"x": 5}}, "url", ""),
        ({"values": [1]}, "values", "JSON object"),
        ({"values": {}, "variables": "orderId=1"}, "variables", "JSON object"),
        ({"values": {}, "extra": 1}, "extra", "unknown key"),
    ],
)  # fmt: skip
def test_job_bad_input(
    api: APIClient, rest_version: TemplateVersion, body: Any, field: str, message: str
) -> None:
    response = api.post(job_url(rest_version), body, format="json")
    if field == "url" and message == "":
        # a path into a number is null in FEEL, not an error: the job is still made
        assert response.status_code == 200 and response.json()["variables"]["url"] is None
        return
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert message in " ".join(errors[field]), errors


@pytest.mark.django_db
def test_body_that_is_not_json(api: APIClient, rest_version: TemplateVersion) -> None:
    for url in (job_url(rest_version), "/api/v1/configurations/"):
        response = api.post(url, "{values:", content_type="application/json")
        assert response.status_code == 400
        assert "JSON parse error" in response.json()["errors"]["body"][0]


@pytest.mark.django_db
def test_job_of_unknown_template_or_version(api: APIClient, rest_version: TemplateVersion) -> None:
    assert api.post("/api/v1/templates/nope/versions/1/job", {}, format="json").status_code == 404
    missing = f"/api/v1/templates/{REST_ID}/versions/9999/job"
    assert api.post(missing, {}, format="json").status_code == 404
    assert APIClient().post(job_url(rest_version), {}, format="json").status_code == 401


@pytest.mark.django_db
def test_configurations_crud(
    api: APIClient, rest_version: TemplateVersion, user: Any, other_user: Any
) -> None:
    body = {
        "name": "Orders",
        "template_id": REST_ID,
        "template_version": rest_version.version,
        "values": {"url": "https://example.com"},
        "variables": {"orderId": 1},
    }
    created = api.post("/api/v1/configurations/", body, format="json")
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["name"] == "Orders" and item["values"] == {"url": "https://example.com"}
    assert item["newer_version"] is None and "configure/?configuration=" in item["form_url"]
    url = f"/api/v1/configurations/{item['id']}/"
    assert api.get("/api/v1/configurations/").json()["results"][0]["id"] == item["id"]

    renamed = api.patch(url, {"name": "Orders (prod)"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Orders (prod)"
    changed = api.patch(url, {"values": {"url": "https://prod.example"}}, format="json")
    assert changed.json()["values"] == {"url": "https://prod.example"}
    bad = api.patch(url, {"values": {"url": "ftp://nope"}}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["errors"]
    assert api.get(url).json()["values"] == {"url": "https://prod.example"}

    copy = api.post(f"/api/v1/configurations/{item['id']}/duplicate")
    assert copy.status_code == 201 and copy.json()["name"] == "Orders (prod) (copy)"

    others = APIClient()
    others.force_authenticate(other_user)
    assert others.get(url).status_code == 404
    assert others.delete(url).status_code == 404
    assert others.patch(url, {"name": "mine"}, format="json").status_code == 404
    assert others.get("/api/v1/configurations/").json()["results"] == []

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert SavedConfiguration.objects.count() == 1  # the copy


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "template_id": REST_ID, "values": {"url": "https://x"}}, "name"),
        ({"name": "A", "template_id": REST_ID, "values": {"url": ""}}, "url"),
        ({"name": "A", "template_id": REST_ID, "values": {"url": "https://x", "zzz": 1}}, "zzz"),
        ({"name": "A", "template_id": "nope", "values": {}}, "template_id"),
        ({"name": "A", "template_id": REST_ID, "template_version": "x"}, "template_version"),
        ({"name": "A", "template_id": REST_ID, "values": "url=x"}, "values"),
        ({"name": "A", "template_id": REST_ID, "owner": 2}, "owner"),
    ],
)
def test_invalid_configurations_are_not_stored(
    api: APIClient, rest_version: TemplateVersion, body: dict[str, Any], field: str
) -> None:
    response = api.post("/api/v1/configurations/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not SavedConfiguration.objects.exists()


def job_errors(api: APIClient, version: TemplateVersion, values: dict[str, Any]) -> dict:
    response = api.post(job_url(version), {"values": values}, format="json")
    assert response.status_code == 400, response.json()
    return response.json()["errors"]


@pytest.mark.django_db
def test_headers_and_retries_the_worker_refuses_are_refused_plainly(
    api: APIClient, rest_version: TemplateVersion
) -> None:
    base = {"url": "https://shop.example/orders"}
    errors = job_errors(
        api,
        rest_version,
        {**base, "retryBackoff": "30 seconds", "jobTimeout": "-5", "retryCount": "three"},
    )

    assert errors["retryBackoff"] == [
        "Retry backoff: use an ISO-8601 duration such as PT30S (30 seconds) or PT5M; "
        "'30 seconds' is not one."
    ]
    assert "ISO-8601 duration" in errors["jobTimeout"][0] and "'-5'" in errors["jobTimeout"][0]
    assert errors["retryCount"] == ["Retries: use a whole number such as 3; 'three' is not one."]
    negative = job_errors(api, rest_version, {**base, "jobTimeout": "-PT5S"})
    assert "must be longer than zero" in negative["jobTimeout"][0]
    fine = {**base, "retryBackoff": "PT5M", "jobTimeout": "PT10M", "retryCount": "5"}
    response = api.post(job_url(rest_version), {"values": fine}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["retries"] == 5


@pytest.mark.django_db
def test_static_values_the_connectors_input_model_refuses_are_refused_on_their_field(
    api: APIClient, rest_version: TemplateVersion
) -> None:
    errors = job_errors(
        api,
        rest_version,
        {"url": "https://shop.example/orders", "connectionTimeoutInSeconds": "-5"},
    )

    assert errors == {
        "connectionTimeoutInSeconds": [
            "Connection timeout in seconds: must be 0 or more (the connector requires it)."
        ]
    }
    # A FEEL value or a secret reference is only known to the run: not checked here.
    later = {
        "url": "{{secrets.SHOP_URL}}",
        "connectionTimeoutInSeconds": "=timeout",
        "authentication.type": "bearer",
        "authentication.token": "{{secrets.TOKEN}}",
    }
    response = api.post(job_url(rest_version), {"values": later}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_plain_text_authentication_on_the_builtin_rest_connector_is_refused(
    api: APIClient,
) -> None:
    from connectors.catalogue.registry_sync import sync_registry
    from connectors.registry import default_registry

    sync_registry(default_registry())
    url = "/api/v1/templates/io.camunda.http-json/versions/1/job"
    values = {"url": "https://shop.example/orders", "authentication": "Bearer abc"}

    response = api.post(url, {"values": values}, format="json")

    # Authentication is a dropdown of its variants (authentication.type and each one's fields):
    # a free-text value has no field to go in.
    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == {"authentication": ["this template has no such field"]}
    chosen = {
        "url": "https://shop.example/orders",
        "authentication.type": "bearer",
        "authentication.token": "{{secrets.TOKEN}}",
    }
    response = api.post(url, {"values": chosen}, format="json")
    assert response.status_code == 200, response.json()
