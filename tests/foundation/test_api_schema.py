"""/api/schema/ describes what the API really answers: every list and detail response is
validated against the generated OpenAPI schema, as a generated client would read it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from cryptography.fernet import Fernet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import get_entry, get_version
from connectors.configure.services import configuration_save
from connectors.models import ImportSource, Run, RunOutcome, RunStatus
from connectors.secrets.services import secret_create
from tests.elementtemplates.corpus import CORPUS_DIR

REST_ID = "io.camunda.connectors.HttpJson.v2"
TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture
def api(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.fixture
def schema(api) -> dict[str, Any]:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type; references point into the document."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_json_schema(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def assert_matches(schema: dict[str, Any], path: str, method: str, response: Any) -> None:
    operation = schema["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{method.upper()} {path}: {response.status_code} is not documented"
    body_schema = documented["content"]["application/json"]["schema"]
    document = _as_json_schema(schema)
    validator = jsonschema.Draft202012Validator(
        {**_as_json_schema(body_schema), "components": document["components"]}
    )
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert not errors, f"{method.upper()} {path} does not match its schema: {errors[:5]}"


@pytest.fixture
def content(db, user, settings):
    settings.CONNECTORHUB_SECRETS_KEY = TEST_KEY
    files = [CORPUS_DIR / "http-json-connector.json"]
    report = import_documents(
        [(p.name, p.read_bytes()) for p in files], source=ImportSource.COMMAND
    )
    assert not report.failed
    version = get_version(get_entry(REST_ID), None)
    configuration = configuration_save(
        owner=user,
        version=version,
        name="Orders",
        values={"url": "https://example.com/orders"},
        variables={},
    )
    secret_create(
        name="SHOP", value="s3cret", description="", allowed_hosts=["example.com"], user=user
    )
    now = timezone.now()
    run = Run.objects.create(
        template_id=REST_ID,
        version=version.version,
        template_name=version.name,
        template_version=version,
        job_type=version.job_type,
        created_by=user,
        secrets_as=user,
        time_limit=10,
        status=RunStatus.DONE,
        outcome=RunOutcome.FAILED,
        error_message="boom",
        started_at=now,
        finished_at=now,
        duration_ms=1.5,
    )
    Run.objects.create(  # queued: not started, no outcome yet
        template_id=REST_ID, version=version.version, created_by=user, time_limit=10
    )
    return {"version": version, "configuration": configuration, "run": run}


@pytest.mark.django_db
def test_every_list_and_detail_response_matches_the_schema(api, schema, content):
    version = content["version"]
    checks = [
        ("/api/v1/templates/", "/api/v1/templates/"),
        ("/api/v1/templates/{template_id}/", f"/api/v1/templates/{REST_ID}/"),
        (
            "/api/v1/templates/{template_id}/versions/{version}/",
            f"/api/v1/templates/{REST_ID}/versions/{version.version}/",
        ),
        ("/api/v1/configurations/", "/api/v1/configurations/"),
        (
            "/api/v1/configurations/{id}/",
            f"/api/v1/configurations/{content['configuration'].pk}/",
        ),
        ("/api/v1/runs/", "/api/v1/runs/"),
        ("/api/v1/runs/{id}/", f"/api/v1/runs/{content['run'].pk}/"),
        ("/api/v1/secrets/", "/api/v1/secrets/"),
        ("/api/v1/secrets/{name}/", "/api/v1/secrets/SHOP/"),
        ("/api/v1/secrets/{name}/audit/", "/api/v1/secrets/SHOP/audit/"),
        ("/api/v1/export/", "/api/v1/export/?output=report"),
    ]
    for documented, url in checks:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        assert_matches(schema, documented, "get", response)


@pytest.mark.django_db
def test_created_responses_match_the_schema(api, schema, content):
    """What POST answers on the collections: the new configuration, the queued run, the secret."""
    configuration = {
        "name": "Another",
        "template_id": REST_ID,
        "template_version": None,
        "values": {"url": "https://example.com/a"},
        "variables": {},
    }
    run = {"template_id": REST_ID, "values": {"url": "https://example.com/a"}}
    secret = {"name": "OTHER", "value": "x", "allowed_hosts": ["example.com"]}
    for path, body, code in (
        ("/api/v1/configurations/", configuration, 201),
        ("/api/v1/runs/", run, 202),
        ("/api/v1/secrets/", secret, 201),
    ):
        response = api.post(path, body, content_type="application/json")
        assert response.status_code == code, (path, response.content[:300])
        assert_matches(schema, path, "post", response)


@pytest.mark.django_db
def test_list_endpoints_are_documented_as_pages(schema):
    for path in (
        "/api/v1/templates/",
        "/api/v1/configurations/",
        "/api/v1/runs/",
        "/api/v1/secrets/",
    ):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        ref = ok["schema"]["$ref"].rsplit("/", 1)[-1]
        page = schema["components"]["schemas"][ref]
        assert {"count", "next", "previous", "results"} <= set(page["properties"]), path


@pytest.mark.django_db
def test_the_schema_generates_without_warnings():
    """A warning (e.g. two operations sharing an id) means a generated client gets odd names."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
