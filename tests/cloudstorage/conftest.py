"""Fixtures for the cloud storage connectors: Azurite and fake-gcs-server on 127.0.0.1 for the
whole session (emptied before each test), Camunda's official templates from the pinned corpus,
a service account key whose token endpoint is a local server that checks the signed assertion,
and one helper that runs a template's job through the runtime with a document store."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.builtin.cloudstorage import gcs
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, templates, values_for
from tests.services.azurite import Azurite, azurite_server
from tests.services.fake_gcs import FakeGcs, fake_gcs_server
from tests.services.http_servers import Recorded, RecordingServer, Reply

AZURE = (
    "azure-blobstorage-outbound-connector.json",
    "io.camunda.connectors.azure.blobstorage.v1",
    6,
)
GCS = ("google-cloud-storage-outbound-connector.json", "io.camunda.connectors.google.gcp.v1", 5)
SAS_SECRET, KEY_SECRET = "AZURE_SAS", "GCS_KEY"
BINARY = bytes(range(256)) * 3  # every byte value: nothing may be decoded on the way


def versions(kind: tuple[str, str, int]) -> list[ElementTemplate]:
    found = [t for t in templates(kind[0]) if t.id == kind[1]]
    return sorted(found, key=lambda t: t.version or 0)


def official(kind: tuple[str, str, int], version: int | None = None) -> ElementTemplate:
    wanted = version or kind[2]
    return next(t for t in versions(kind) if t.version == wanted)


def has_return_format(tpl: ElementTemplate) -> bool:
    return any(p.binding.name == "documentReturnFormat.choice" for p in tpl.properties)


def run(
    tpl: ElementTemplate,
    values: dict[str, Any],
    *,
    secrets: dict[str, str],
    variables: dict[str, Any] | None = None,
    store: InMemoryDocumentStore | None = None,
) -> Outcome:
    """A job built from TPL with VALUES (by binding name) and process VARIABLES, run with the
    runtime core, SECRETS as the hub's, STORE behind `context.documents`."""
    job = build_job(tpl, values_for(tpl, {"resultVariable": "result", **values}), variables or {})
    assert not job.errors, job.errors
    assert job.type is not None
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers, retries=3),
        secrets=MappingSecretProvider(secrets),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=store if store is not None else InMemoryDocumentStore(),
    )


def result(outcome: Outcome) -> Any:
    assert outcome.kind == "completed", outcome
    return outcome.variables["result"]


def failed(outcome: Outcome, java_type: str) -> str:
    """The message of a failure reported under JAVA_TYPE with retries - 1 and no error code."""
    assert outcome.kind == "failed", outcome
    assert outcome.retries == 2, outcome
    error: dict[str, Any] = outcome.trace.error or {}
    assert error["type"] == java_type, error
    assert error.get("code") is None, error
    message: str = error["message"]
    return message


def shown(outcome: Outcome) -> str:
    """Everything a run reports: the outcome and its trace (exchanges included)."""
    return repr(outcome) + json.dumps(outcome.trace.__dict__, default=str)


def document(
    store: InMemoryDocumentStore, content: bytes, content_type: str, name: str | None
) -> dict[str, Any]:
    request = DocumentCreationRequest(content=content, content_type=content_type, file_name=name)
    return store.create(request).as_json()


def read_back(store: InMemoryDocumentStore, reference: dict[str, Any]) -> bytes:
    return store.read(DocumentReference.model_validate(reference))


def upload_source(reference: str = "=doc") -> dict[str, Any]:
    """The upload's document as every version takes it: v1-v2 a reference field, v3+ its
    source fields."""
    return {
        "operation.document": reference,
        "operation.operation_document_documentSource": "camunda",
        "operation.operation_document_camundaReference": reference,
    }


# --- Azure Blob Storage on Azurite ---------------------------------------------------------


@pytest.fixture(scope="session")
def azurite_session() -> Iterator[Azurite]:
    with azurite_server() as running:
        yield running


@pytest.fixture
def azurite(azurite_session: Azurite) -> Azurite:
    """The session's Azurite, emptied, with a container `orders`."""
    azurite_session.reset()
    azurite_session.create_container("orders")
    return azurite_session


def sas_values(azurite: Azurite, **extra: Any) -> dict[str, Any]:
    """SAS authentication on Azurite's account, the token a hub secret."""
    return {
        "authentication.type": "SAS",
        "authentication.SASToken": f"{{{{secrets.{SAS_SECRET}}}}}",
        "authentication.SASUrl": azurite.endpoint,
        **extra,
    }


def sas_secrets(azurite: Azurite) -> dict[str, str]:
    return {SAS_SECRET: azurite.sas_token()}


# --- Google Cloud Storage on fake-gcs-server -----------------------------------------------


class GoogleTokens:
    """A local OAuth token endpoint for service accounts (RFC 7523 JWT bearer grant): it checks
    the assertion's RS256 signature with the account's public key and its claims, as Google's
    endpoint does, and counts what it hands out."""

    def __init__(self, server: RecordingServer, email: str, key: rsa.RSAPrivateKey) -> None:
        self.server, self.email, self.public_key = server, email, key.public_key()
        self.key_json = service_account_key(email, self.uri, key)
        self.issued = 0
        self._lock = threading.Lock()
        server.route("/token", self._answer)

    @property
    def uri(self) -> str:
        return f"{self.server.url}/token"

    def _answer(self, request: Recorded) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        problem = self._problem(form)
        if problem:
            return Reply(400, json={"error": "invalid_grant", "error_description": problem})
        with self._lock:
            self.issued += 1
            token = f"ya29.local-{self.issued}"
        return Reply(json={"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _problem(self, form: dict[str, str]) -> str | None:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return "Invalid grant_type"
        try:
            header, claims, signature = form.get("assertion", "").split(".")
            self.public_key.verify(_unb64(signature), f"{header}.{claims}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
        except (ValueError, InvalidSignature):
            return "Invalid JWT Signature."
        payload = json.loads(_unb64(claims))
        if payload.get("iss") != self.email or payload.get("aud") != self.uri:
            return "Invalid JWT: issuer or audience"
        if "devstorage" not in str(payload.get("scope")):
            return "Invalid OAuth scope"
        return None


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def service_account_key(email: str, token_uri: str, private_key: rsa.RSAPrivateKey) -> str:
    """A service account's JSON key as the Cloud console writes it."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps({
        "type": "service_account", "project_id": "hub-tests", "private_key_id": "k1",
        "private_key": pem, "client_email": email, "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
    }, indent=2)  # fmt: skip


@pytest.fixture(scope="session")
def google_tokens() -> Iterator[GoogleTokens]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with RecordingServer() as server:
        yield GoogleTokens(server, "uploader@hub-tests.iam.gserviceaccount.com", private_key)


@pytest.fixture(scope="session")
def fake_gcs_session() -> Iterator[FakeGcs]:
    with fake_gcs_server() as running:
        yield running


@pytest.fixture
def fake_gcs(fake_gcs_session: FakeGcs, monkeypatch: pytest.MonkeyPatch) -> FakeGcs:
    """The session's fake-gcs-server, emptied, with a bucket `orders`; the connector's JSON API
    root points at it."""
    fake_gcs_session.reset()
    fake_gcs_session.create_bucket("orders")
    monkeypatch.setenv(gcs.ENDPOINT_SETTING, fake_gcs_session.endpoint)
    return fake_gcs_session


def gcs_values(**extra: Any) -> dict[str, Any]:
    return {"authentication.jsonKey": f"{{{{secrets.{KEY_SECRET}}}}}", **extra}


def gcs_secrets(tokens: GoogleTokens) -> dict[str, str]:
    return {KEY_SECRET: tokens.key_json}
