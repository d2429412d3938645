"""The API's JSON parser: hostile bodies get a 400 that says what is wrong, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from connectors.catalogue.importing import import_document
from connectors.models import ImportSource
from tests.catalogue.conftest import REST_FILE

DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def job_url(db: None) -> str:
    newest = json.loads(REST_FILE.read_text())[-1]
    result = import_document("rest.json", json.dumps(newest), source=ImportSource.COMMAND)
    assert result.ok, result.errors
    template = result.templates[0]
    return f"/api/v1/templates/{template.template_id}/versions/{template.version}/job"


def _message(response: Any) -> str:
    return json.dumps(response.json())


@pytest.mark.django_db
def test_deep_array_to_the_job_endpoint_is_a_400_naming_the_depth(
    api: APIClient, job_url: str
) -> None:
    response = api.post(job_url, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nested more than 64 levels deep" in _message(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        # Deep enough to pass Python's decoder but not the shape guard.
        json.dumps({"template_id": "x", "values": {"a": json.loads("[" * 500 + "]" * 500)}}),
        '{"values": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}",
    ],
    ids=["array", "within-decoder-limit", "objects"],
)
def test_deep_bodies_to_the_runs_endpoint_are_a_400_naming_the_depth(
    api: APIClient, body: str
) -> None:
    response = api.post("/api/v1/runs/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nested more than 64 levels deep" in _message(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": ', "not valid JSON: Expecting value at line 1"),
        ('{"a": ' + "1" * 5000 + "}", "not valid JSON"),
        (b'{"a": "\xff"}', "bad byte at offset 7"),
    ],
)
def test_malformed_bodies_get_a_clear_400(api: APIClient, body: str, expected: str) -> None:
    response = api.post("/api/v1/runs/", body, content_type="application/json")
    assert response.status_code == 400
    assert expected in _message(response)


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_refused(api: APIClient) -> None:
    body = json.dumps({"template_id": "x" * 2000})
    response = api.post("/api/v1/runs/", body, content_type="application/json")
    assert response.status_code == 400
    assert "larger than 1000 bytes" in _message(response)


@pytest.mark.django_db
def test_ordinary_json_still_parses(api: APIClient, job_url: str) -> None:
    body = {"values": {"url": "https://example.com/", "method": "GET"}, "variables": {"a": [1]}}
    response = api.post(job_url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["variables"]["url"] == "https://example.com/"


@pytest.mark.django_db
def test_forms_still_parse_for_the_browsable_api(api: APIClient) -> None:
    # A form post reaches the serializer, which names the missing field.
    response = api.post("/api/v1/runs/", {"version": "1"})
    assert response.status_code == 400
    assert "template_id" in response.json()
