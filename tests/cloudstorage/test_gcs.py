"""The Google Cloud Storage connector against fake-gcs-server, authenticated by a service
account's JSON key whose token endpoint is local and checks the signed assertion: every version
of Camunda's template uploads and downloads (corpus), the current one's results read back from
the server (bytes, content type), documents in and out, and Camunda's errors without the key in
any output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.documents import InMemoryDocumentStore
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.builtin.cloudstorage import gcs
from connectors.builtin.cloudstorage.gcs import google_cloud_storage
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import values_for
from tests.cloudstorage.conftest import (
    BINARY,
    GCS,
    KEY_SECRET,
    GoogleTokens,
    document,
    failed,
    gcs_secrets,
    gcs_values,
    has_return_format,
    official,
    read_back,
    result,
    run,
    service_account_key,
    shown,
    upload_source,
    versions,
)
from tests.services.fake_gcs import FakeGcs
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.xdist_group("fake-gcs")

STORAGE_EXCEPTION = "com.google.cloud.storage.StorageException"
CONNECTOR_EXCEPTION = "io.camunda.connector.api.error.ConnectorException"
VERSIONS = versions(GCS)


def upload_values(name: str | None = "in/scan.pdf", **extra: Any) -> dict[str, Any]:
    values = {"operationDiscriminator": "uploadObject", "operation.project": "hub-tests",
              "operation.bucket": "orders", **upload_source()}  # fmt: skip
    if name is not None:
        values["operation.fileName"] = name
    return gcs_values(**{**values, **extra})


def download_values(name: str, **extra: Any) -> dict[str, Any]:
    values = {"operationDiscriminator": "downloadObject", "operation.project": "hub-tests",
              "operation.bucket": "orders", "operation.fileName": name}  # fmt: skip
    return gcs_values(**{**values, **extra})


def as_document(tpl: ElementTemplate) -> dict[str, Any]:
    """A document, as each version asks for one: the choice (v4+) or "as document" (v1-v3)."""
    if has_return_format(tpl):
        return {"documentReturnFormat.choice": "DOCUMENT"}
    return {"operation.asDocument": True}


def test_the_corpus_has_every_version() -> None:
    assert [t.version for t in VERSIONS] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("tpl", VERSIONS, ids=[f"v{t.version}" for t in VERSIONS])
def test_every_version_uploads_and_downloads(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens, tpl: ElementTemplate
) -> None:
    """The corpus test: each version's own job runs both operations on fake-gcs-server."""
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "application/pdf", "scan.pdf")
    secrets = gcs_secrets(google_tokens)

    uploaded = result(run(tpl, upload_values(), secrets=secrets, variables={"doc": doc},
                          store=store))  # fmt: skip
    link = "https://storage.cloud.google.com/orders/in/scan.pdf"
    assert uploaded == {"bucket": "orders", "filename": "in/scan.pdf", "downloadUrl": link}
    assert fake_gcs.content("orders", "in/scan.pdf") == BINARY

    downloaded = result(run(tpl, download_values("in/scan.pdf", **as_document(tpl)),
                            secrets=secrets, store=store))  # fmt: skip
    assert set(downloaded) == {"document"}
    assert read_back(store, downloaded["document"]) == BINARY


def test_an_upload_stores_the_bytes_and_content_type(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "image/png", "scan.png")
    issued = google_tokens.issued

    outcome = run(official(GCS), upload_values("a b/ü.png"), secrets=gcs_secrets(google_tokens),
                  variables={"doc": doc}, store=store)  # fmt: skip

    assert result(outcome)["filename"] == "a b/ü.png"
    assert fake_gcs.content("orders", "a b/ü.png") == BINARY
    stored = fake_gcs.metadata("orders", "a b/ü.png")
    assert stored["contentType"] == "image/png" and stored["size"] == str(len(BINARY))
    assert not stored.get("metadata")  # Camunda's connector sends no custom metadata
    assert google_tokens.issued == issued + 1  # one token per job, as Camunda's client per job
    token, insert = outcome.trace.exchanges
    assert token["summary"] == f"Google token · service account {google_tokens.email}"
    assert "assertion=***" in token["request_body"]
    assert '"access_token": "***"' in token["response_body"]
    assert insert["summary"] == "GCS objects.insert · to orders/a b/ü.png"
    assert insert["request_headers"]["Authorization"] == "Bearer ***"
    assert "BEGIN PRIVATE KEY" not in shown(outcome) and "ya29." not in shown(outcome)


def test_without_a_file_name_the_documents_name_is_used(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"a,b\n1,2\n", "text/csv", "report.csv")

    outcome = run(official(GCS), upload_values(None), secrets=gcs_secrets(google_tokens),
                  variables={"doc": doc}, store=store)  # fmt: skip

    assert result(outcome)["filename"] == "report.csv"
    assert fake_gcs.content("orders", "report.csv") == b"a,b\n1,2\n"


def test_a_download_as_a_document_as_text_and_as_json(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    fake_gcs.put_object("orders", "a/scan.pdf", BINARY, "application/pdf")
    fake_gcs.put_object("orders", "latin.txt", "Grüße".encode("latin-1"), "text/plain")
    fake_gcs.put_object("orders", "o.json", b'{"order": 42}', "application/json")
    store = InMemoryDocumentStore()
    secrets = gcs_secrets(google_tokens)

    def fetch(name: str, choice: str, **more: Any) -> Any:
        values = download_values(name, **{"documentReturnFormat.choice": choice}, **more)
        return result(run(official(GCS), values, secrets=secrets, store=store))

    reference = fetch("a/scan.pdf", "DOCUMENT")["document"]
    assert reference["metadata"]["contentType"] == "application/pdf"
    assert reference["metadata"]["fileName"] == "a/scan.pdf"
    assert read_back(store, reference) == BINARY
    text = fetch("latin.txt", "TEXT", **{"documentReturnFormat.encoding": "ISO-8859-1"})
    assert text == {"content": "Grüße"}
    assert fetch("o.json", "JSON") == {"content": {"order": 42}}


def test_older_versions_return_the_content_as_text_unless_as_document(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    """v1-v3 without "as document": the bytes as UTF-8 text (ObjectStorageExecutor's legacy
    downloadAsString)."""
    fake_gcs.put_object("orders", "t.json", '{"grüße": 1}'.encode(), "application/json")

    values = download_values("t.json", **{"operation.asDocument": False})
    answer = result(run(official(GCS, 3), values, secrets=gcs_secrets(google_tokens)))

    assert answer == {"content": '{"grüße": 1}'}


def test_a_missing_bucket_and_a_missing_object(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")
    secrets = gcs_secrets(google_tokens)

    nowhere = upload_values(**{"operation.bucket": "nowhere"})
    outcome = run(official(GCS), nowhere, secrets=secrets, variables={"doc": doc}, store=store)
    message = failed(outcome, CONNECTOR_EXCEPTION)
    assert message == "Failed to upload file: The specified bucket does not exist."

    missing = download_values("missing.txt", **{"documentReturnFormat.choice": "TEXT"})
    message = failed(run(official(GCS), missing, secrets=secrets), STORAGE_EXCEPTION)
    assert message == "No such object: orders/missing.txt"

    legacy = download_values("missing.txt", **{"operation.asDocument": True})
    outcome = run(official(GCS, 3), legacy, secrets=secrets)
    message = failed(outcome, CONNECTOR_EXCEPTION)
    assert message == f"{STORAGE_EXCEPTION}: No such object: orders/missing.txt"
    assert "BEGIN PRIVATE KEY" not in shown(outcome)


def test_a_key_the_token_endpoint_does_not_know(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    """Right account, wrong private key: the endpoint refuses the assertion's signature."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = service_account_key(google_tokens.email, google_tokens.uri, stranger)
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")

    outcome = run(official(GCS), upload_values(), secrets={KEY_SECRET: key},
                  variables={"doc": doc}, store=store)  # fmt: skip

    message = failed(outcome, CONNECTOR_EXCEPTION)
    assert message == (
        "Failed to upload file: Error getting access token for service account: Invalid JWT "
        f"Signature., iss: {google_tokens.email}"
    )
    private_pem = json.loads(key)["private_key"]
    assert private_pem.splitlines()[1] not in shown(outcome)
    assert fake_gcs.buckets() == ["orders"] and not fake_gcs.objects("orders")


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("not json", "it is not JSON"),
        ('{"type": "authorized_user", "refresh_token": "r"}',
         "its type is 'authorized_user', not 'service_account'"),
        ('{"type": "service_account", "client_email": "a@b", "private_key": "nope"}',
         "its private_key is not a PEM private key"),
    ],
    ids=["text", "user", "pem"],
)  # fmt: skip
def test_an_unreadable_key_is_an_input_error(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens, key: str, why: str
) -> None:
    asked = google_tokens.server.count("/token")
    outcome = run(official(GCS), download_values("x.txt"), secrets={KEY_SECRET: key})

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert outcome.message.startswith(
        "authentication.jsonKey: Authentication failed for provided service account "
        f"credentials ({why}) | "
    ), outcome.message
    assert google_tokens.server.count("/token") == asked  # no token was asked for


def test_bad_input_names_the_field(fake_gcs: FakeGcs, google_tokens: GoogleTokens) -> None:
    for change, problem in [
        ({"operation.bucket": " "}, "operation.bucket: must not be blank"),
        ({"operation.project": ""}, "operation.project: must not be blank"),
        ({"operation.fileName": ""}, "operation.fileName: must not be blank"),
    ]:
        values = {**download_values("x.txt"), **change}
        outcome = run(official(GCS), values, secrets=gcs_secrets(google_tokens))
        assert outcome.kind == "failed" and outcome.retries == 0, outcome
        assert outcome.message.startswith(problem), outcome.message


def test_the_egress_policy_refuses_a_loopback_token_endpoint(
    fake_gcs: FakeGcs, google_tokens: GoogleTokens
) -> None:
    tpl = official(GCS)
    job = build_job(tpl, values_for(tpl, download_values("k.txt")))
    assert job.type is not None
    outcome = run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider(gcs_secrets(google_tokens)),
        time_limit=30.0,
        address_policy=EgressPolicy(),
        document_store=InMemoryDocumentStore(),
    )

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert "The egress policy refused 127.0.0.1" in outcome.message


def test_the_generated_template_is_valid() -> None:
    assert validate_template(google_cloud_storage.element_template()) == []


@pytest.mark.parametrize(
    ("status", "reason", "text"),
    [
        (429, "rateLimitExceeded", "The rate of change requests to the object orders/x.txt "
         "exceeds the rate limit. Please reduce the rate of create, update, and delete requests."),
        (403, "forbidden", "uploader@hub-tests.iam.gserviceaccount.com does not have "
         "storage.objects.get access to the Google Cloud Storage object."),
    ],
    ids=["throttled", "denied"],
)  # fmt: skip
def test_throttling_and_access_denied_carry_the_services_message(
    google_tokens: GoogleTokens,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    reason: str,
    text: str,
) -> None:
    """What fake-gcs-server does not do: a local server answers as the JSON API does."""
    errors = [{"domain": "global", "reason": reason, "message": text}]
    error = {"error": {"code": status, "message": text, "errors": errors}}
    with RecordingServer() as server:
        server.fallback = Reply(status, json=error)
        monkeypatch.setenv(gcs.ENDPOINT_SETTING, server.url)
        values = download_values("x.txt", **{"documentReturnFormat.choice": "TEXT"})

        outcome = run(official(GCS), values, secrets=gcs_secrets(google_tokens))

        token = f"ya29.local-{google_tokens.issued}"
        assert server.last().header("Authorization") == f"Bearer {token}"
    assert failed(outcome, STORAGE_EXCEPTION) == text
