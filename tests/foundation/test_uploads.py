"""Multipart bodies are capped as a whole (CONNECTORHUB_MAX_UPLOAD_BYTES), files go to disk."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from connectors.models import CatalogueEntry, TemplateVersion
from connectors.uploads import UploadLimitMiddleware

LIMIT = 300_000


def template_file(number: int, size: int) -> SimpleUploadedFile:
    """A valid element template, padded with spaces to about SIZE bytes."""
    template = {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": f"io.example.upload-{number}",
        "name": f"Upload {number}",
        "version": 1,
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {
                "type": "Hidden",
                "value": "io.example:upload:1",
                "binding": {"type": "zeebe:taskDefinition", "property": "type"},
            }
        ],
    }
    text = json.dumps(template)
    return SimpleUploadedFile(f"upload-{number}.json", (text + " " * (size - len(text))).encode())


def uploaded() -> list[str]:
    """The template ids these tests upload that reached the catalogue (other tests' templates,
    such as the registered connectors, may be there too)."""
    versions = TemplateVersion.objects.filter(entry__template_id__startswith="io.example.upload-")
    return list(versions.values_list("entry__template_id", flat=True))


@pytest.fixture
def importer_client(client, django_user_model):
    """Imports need connectors.import_templates, which staff have."""
    client.force_login(django_user_model.objects.create_user("importer", is_staff=True))
    return client


@pytest.fixture
def small_limit(settings):
    settings.CONNECTORHUB_MAX_UPLOAD_BYTES = LIMIT
    return LIMIT


@pytest.mark.django_db
def test_several_files_over_the_limit_together_are_refused_and_nothing_is_imported(
    importer_client, small_limit
):
    files = [template_file(n, 80_000) for n in range(4)]  # each well under, together over

    response = importer_client.post("/catalogue/import", {"files": files})

    assert response.status_code == 413
    html = response.content.decode()
    assert "larger than 293 KiB, the most one request may carry" in html
    assert "CONNECTORHUB_MAX_UPLOAD_BYTES" in html
    assert "Nothing was imported" in html
    assert not uploaded()


@pytest.mark.django_db
def test_files_just_under_the_limit_together_are_imported(importer_client, small_limit):
    files = [template_file(n, 70_000) for n in range(4)]

    response = importer_client.post("/catalogue/import", {"files": files}, follow=True)

    assert response.status_code == 200
    assert "4 imported" in response.content.decode()
    assert CatalogueEntry.objects.filter(template_id__startswith="io.example.upload-").count() == 4


@pytest.mark.django_db
def test_the_api_refuses_a_multipart_body_over_the_limit_with_json(signed_in_client, small_limit):
    files = [template_file(n, 80_000) for n in range(4)]

    response = signed_in_client.post("/api/v1/secrets/", {"name": "X", "files": files})

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert "larger than 293 KiB" in error and "CONNECTORHUB_MAX_UPLOAD_BYTES" in error


@pytest.mark.django_db
def test_too_many_files_are_refused_with_the_number(importer_client):
    files = [SimpleUploadedFile(f"f{n}.json", b"{}") for n in range(201)]

    response = importer_client.post("/catalogue/import", {"files": files})

    assert response.status_code == 413
    assert "more than 200 files" in response.content.decode()
    assert not uploaded()


def test_uploaded_files_are_kept_on_disk_not_in_memory(settings):
    request = RequestFactory().post("/catalogue/import", {"f": SimpleUploadedFile("a.json", b"{}")})

    upload = request.FILES["f"]

    assert isinstance(upload, TemporaryUploadedFile)


def test_files_are_counted_even_when_the_body_is_longer_than_it_says(small_limit):
    # Under ASGI the body is not cut at its Content-Length: the bytes received are what count.
    body = encode_multipart(BOUNDARY, {"files": [template_file(n, 80_000) for n in range(4)]})
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/secrets/",
        "query_string": b"",
        "headers": [
            (b"content-type", MULTIPART_CONTENT.encode()),
            (b"content-length", b"1000"),
        ],
    }
    middleware = UploadLimitMiddleware(lambda request: HttpResponse("the view ran"))

    response = middleware(ASGIRequest(scope, io.BytesIO(body)))

    assert response.status_code == 413
    assert "more than 293 KiB" in json.loads(response.content)["errors"][0]


@pytest.mark.django_db
def test_a_multipart_api_request_within_the_limit_still_works(signed_in_client):
    # The body is parsed before the view; DRF then reads the parsed form, not the spent stream.
    response = signed_in_client.post("/api/v1/secrets/", {"name": "FORM_TOKEN", "value": "v-123"})

    assert response.status_code == 201, response.content
    assert response.json()["name"] == "FORM_TOKEN"
