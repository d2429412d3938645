"""End to end through the product: the three official templates imported from the pinned
corpus, form values selecting each authentication type, a dry-run through the real Celery
worker (`run_start`), and both the request the local server received and the stored run."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from connectors.elementtemplates import (
    ElementTemplate,
    active_properties,
    check_values,
    field_key,
)  # fmt: skip
from tests.builtin.conftest import (
    GRAPHQL_FILE,
    GRAPHQL_ID,
    REST_FILE,
    REST_ID,
    SOAP_FILE,
    SOAP_ID,
    values_for,
)  # fmt: skip
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.celery_worker import loopback_allowed
from tests.services.http_servers import (
    RecordingServer,
    Reply,
    graphql_endpoint,
    oauth_token_endpoint,
    soap_endpoint,
)  # fmt: skip
from tests.services.wssecurity_check import make_identity

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def egress_worker(celery_worker: Any) -> Iterator[Any]:
    """The session's worker, with 127.0.0.1 on the allow-list for this test (the dry-run path
    enforces the egress policy, and the local servers are on loopback)."""
    with loopback_allowed():
        yield celery_worker


@pytest.fixture
def versions(db: None) -> dict[str, Any]:
    from connectors.catalogue.importing import import_documents
    from connectors.models import ImportSource, TemplateVersion

    files = [REST_FILE, GRAPHQL_FILE, SOAP_FILE]
    report = import_documents(
        [(name, (CORPUS_DIR / name).read_bytes()) for name in files], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    latest = {REST_ID: 18, GRAPHQL_ID: 13, SOAP_ID: 2}
    return {
        v.entry.template_id: v
        for v in TemplateVersion.objects.select_related("entry")
        if latest.get(v.entry.template_id) == v.version
    }


SIGNER = make_identity(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def local() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        oauth_token_endpoint(server)
        graphql_endpoint(server)
        soap_endpoint(server)
        soap_endpoint(server, path="/signed-soap", trusted_signer=SIGNER.certificate.encode())
        server.route("/api", Reply(json={"hello": "dry-run"}))
        yield server


def form_values(version: Any, by_binding: dict[str, Any]) -> dict[str, Any]:
    """What the form would post: values of the properties these choices make visible."""
    template = ElementTemplate.from_dict(version.content)
    values = values_for(template, by_binding)
    shown = {field_key(p) for p in active_properties(template, values)}
    values = {key: value for key, value in values.items() if key in shown}
    assert check_values(template, values) == {}
    return values


def dry_run(version: Any, by_binding: dict[str, Any], user: Any = None) -> Any:
    from connectors.runs.services import run_start
    from tests.runs.conftest import wait_done

    run = run_start(
        version=version, values=form_values(version, by_binding), variables={}, user=user
    )
    return wait_done(run.pk, timeout=30)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTHS = [
    ({"type": "noAuth"}, None),
    ({"type": "basic", "username": "ada", "password": "pw"}, basic("ada", "pw")),
    ({"type": "bearer", "token": "tok"}, "Bearer tok"),
    ({"type": "apiKey", "apiKeyLocation": "headers", "name": "Authorization", "value": "Key k"},
     "Key k"),
    ({"type": "oauth-client-credentials-flow", "clientId": "c", "clientSecret": "s",
      "clientAuthentication": "credentialsBody"}, "Bearer token-1"),
    ({"type": "oauth-refresh-token", "clientId": "c", "refreshToken": "r"}, "Bearer token-1"),
]  # fmt: skip


def auth_values(server: RecordingServer, auth: dict[str, str]) -> dict[str, Any]:
    values = {f"authentication.{k}": v for k, v in auth.items()}
    values["authentication.oauthTokenEndpoint"] = f"{server.url}/oauth/token"
    return values


@pytest.mark.parametrize(("auth", "authorization"), AUTHS, ids=[a["type"] for a, _ in AUTHS])
def test_rest_dry_run(egress_worker, versions, local, auth, authorization):
    from connectors.builtin.http.auth import token_cache

    token_cache.clear()  # in this process; the worker's cache is its own (hence token-1 below)
    run = dry_run(
        versions[REST_ID],
        {"method": "GET", "url": f"{local.url}/api", **auth_values(local, auth)},
    )
    assert run.outcome == "completed", run.stored_outcome
    assert local.last("/api").header("Authorization") == authorization
    assert run.outcome_record.variables == {"myResponseBody": {"hello": "dry-run"}}
    assert run.outcome_record.exchanges[-1]["status"] == 200


@pytest.mark.parametrize(("auth", "authorization"), AUTHS, ids=[a["type"] for a, _ in AUTHS])
def test_graphql_dry_run(egress_worker, versions, local, auth, authorization):
    run = dry_run(
        versions[GRAPHQL_ID],
        {
            "graphql.method": "post",
            "graphql.url": f"{local.url}/graphql",
            "graphql.query": "{ hello }",
            "resultVariable": "result",
            **auth_values(local, auth),
        },
    )
    assert run.outcome == "completed", run.stored_outcome
    assert local.last("/graphql").header("Authorization") == authorization
    assert run.outcome_record.variables["result"]["body"] == {"data": {"hello": "world"}}


@pytest.mark.parametrize("authentication", ["none", "usernameToken", "signature"])
def test_soap_dry_run(egress_worker, versions, local, authentication):
    path = "/signed-soap" if authentication == "signature" else "/soap"
    run = dry_run(
        versions[SOAP_ID],
        {
            "serviceUrl": f"{local.url}{path}",
            "authentication.authentication": authentication,
            "authentication.username": "ada",
            "authentication.password": "pw",
            "authentication.encoded": "No",
            "authentication.certificate.certificateType": "single",
            "authentication.certificate.certificate": SIGNER.certificate,
            "authentication.certificate.privateKey": SIGNER.private_key,
            "body.json": '={"c:Add": {"c:a": 1, "c:b": 2}}',
            "namespaces": '={"c": "urn:calc"}',
            "resultVariable": "result",
        },
    )
    assert run.outcome == "completed", run.stored_outcome
    envelope = run.outcome_record.variables["result"]["Envelope"]
    assert envelope["Body"]["AddResponse"]["Result"] == "3"
    sent = local.last(path).body.decode()
    assert ("<wsse:Username>ada</wsse:Username>" in sent) == (authentication == "usernameToken")
    # the service at /signed-soap answers a Fault unless xmlsec1 verifies the signature
    assert ("<ds:SignatureValue>" in sent) == (authentication == "signature")


def test_a_dry_run_to_an_address_outside_the_allowlist_is_refused(egress_worker, versions, local):
    run = dry_run(versions[REST_ID], {"method": "GET", "url": f"http://[::1]:{local.port}/api"})
    assert run.outcome == "failed"
    assert "rule 'loopback'" in run.error_message
    assert "CONNECTORHUB_EGRESS_ALLOW" in run.error_message
    assert local.requests == []


def test_a_secret_in_the_url_never_reaches_the_stored_run(egress_worker, versions, local, user):
    """httpx writes the secret in the path as `op%20en'!*();:@,$~sesame`, a spelling the
    runtime's masking cannot guess: the recorded URL is built with the secret masked first."""
    import json

    from connectors.models import Run
    from connectors.secrets.services import secret_create

    secret = "op en'!*();:@,$~sesame"
    secret_create(name="URL_TOKEN", value=secret, allowed_hosts=["127.0.0.1"], user=user)
    local.fallback = Reply(json={"ok": True})
    run = dry_run(
        versions[REST_ID],
        {
            "method": "GET",
            "url": f"{local.url}/items/{{{{secrets.URL_TOKEN}}}}?q={{{{secrets.URL_TOKEN}}}}",
            "queryParameters": '={"key": "{{secrets.URL_TOKEN}}"}',
        },
        user,
    )
    assert run.outcome == "completed", run.stored_outcome
    assert dict(local.last().query) == {"q": secret, "key": secret}  # it was sent
    assert run.outcome_record.exchanges[0]["url"] == f"{local.url}/items/***?q=***&key=***"
    row = Run.objects.filter(pk=run.pk).values().get()
    assert "sesame" not in json.dumps(row, default=str)
