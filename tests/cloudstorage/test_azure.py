"""The Azure Blob Storage connector against Azurite with a SAS token: every version of Camunda's
template uploads and downloads (corpus), the current one's results read back from Azurite (bytes,
content type), documents in and out through a document store, and Camunda's errors without the
token in any output."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.documents import InMemoryDocumentStore

from connectors.builtin.cloudstorage.azure import azure_blob_storage
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import values_for
from tests.cloudstorage.conftest import (
    AZURE,
    BINARY,
    SAS_SECRET,
    document,
    failed,
    has_return_format,
    official,
    read_back,
    result,
    run,
    sas_secrets,
    sas_values,
    shown,
    upload_source,
    versions,
)
from tests.services.azurite import Azurite
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.xdist_group("azurite")

BLOB_EXCEPTION = "com.azure.storage.blob.models.BlobStorageException"
VERSIONS = versions(AZURE)


def upload_values(
    azurite: Azurite, name: str | None = "in/scan.pdf", **extra: Any
) -> dict[str, Any]:
    values = {"operationDiscriminator": "uploadBlob", "operation.container": "orders",
              "operation.timeout": 30, **upload_source()}  # fmt: skip
    if name is not None:
        values["operation.fileName"] = name
    return sas_values(azurite, **{**values, **extra})


def download_values(azurite: Azurite, name: str, **extra: Any) -> dict[str, Any]:
    values = {"operationDiscriminator": "downloadBlob", "operation.container": "orders",
              "operation.fileName": name}  # fmt: skip
    return sas_values(azurite, **{**values, **extra})


def as_document(tpl: ElementTemplate) -> dict[str, Any]:
    """A document, as each version asks for one: the choice (v5+) or "as file" (v1-v4)."""
    if has_return_format(tpl):
        return {"documentReturnFormat.choice": "DOCUMENT"}
    return {"operation.asFile": True}


def test_the_corpus_has_every_version() -> None:
    assert [t.version for t in VERSIONS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("tpl", VERSIONS, ids=[f"v{t.version}" for t in VERSIONS])
def test_every_version_uploads_and_downloads(azurite: Azurite, tpl: ElementTemplate) -> None:
    """The corpus test: each version's own job runs both operations on Azurite."""
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "application/pdf", "scan.pdf")
    secrets = sas_secrets(azurite)

    uploaded = result(run(tpl, upload_values(azurite), secrets=secrets, variables={"doc": doc},
                          store=store))  # fmt: skip
    assert uploaded == {"container": "orders", "filename": "in/scan.pdf",
                        "link": f"{azurite.endpoint}/orders/in/scan.pdf"}  # fmt: skip
    stored = azurite.get_blob("orders", "in/scan.pdf")
    assert stored.content == BINARY
    assert stored.headers["content-type"] == "application/pdf"

    downloaded = result(run(tpl, download_values(azurite, "in/scan.pdf", **as_document(tpl)),
                            secrets=secrets, store=store))  # fmt: skip
    assert set(downloaded) == {"document"}
    assert read_back(store, downloaded["document"]) == BINARY


def test_an_upload_stores_the_bytes_and_content_type(azurite: Azurite) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "image/png", "scan.png")

    outcome = run(official(AZURE), upload_values(azurite, "a b/ü.png"),
                  secrets=sas_secrets(azurite), variables={"doc": doc}, store=store)  # fmt: skip

    assert result(outcome) == {"container": "orders", "filename": "a b/ü.png",
                               "link": f"{azurite.endpoint}/orders/a%20b/%C3%BC.png"}  # fmt: skip
    stored = azurite.get_blob("orders", "a b/ü.png")
    assert stored.content == BINARY and stored.headers["content-type"] == "image/png"
    assert stored.headers["x-ms-blob-type"] == "BlockBlob"
    # Camunda's connector sends no user metadata
    assert not [name for name in stored.headers if name.startswith("x-ms-meta-")]
    (exchange,) = outcome.trace.exchanges
    assert exchange["summary"] == "Azure Blob Put Blob · to orders/a b/ü.png"
    assert exchange["status"] == 201
    assert azurite.sas_token() not in shown(outcome)


def test_without_a_file_name_the_documents_name_is_used(azurite: Azurite) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"a,b\n1,2\n", "text/csv", "report.csv")

    outcome = run(official(AZURE), upload_values(azurite, None), secrets=sas_secrets(azurite),
                  variables={"doc": doc}, store=store)  # fmt: skip
    uploaded = result(outcome)

    assert uploaded["filename"] == "report.csv"
    assert azurite.get_blob("orders", "report.csv").content == b"a,b\n1,2\n"


def test_an_inline_document_is_uploaded(azurite: Azurite) -> None:
    values = upload_values(azurite, "note.txt", **{
        "operation.operation_document_documentSource": "inline",
        "operation.operation_document_inline_content": "Grüße",
        "operation.operation_document_inline_fileName": "note.txt",
        "operation.operation_document_inline_contentType": "text/plain",
    })  # fmt: skip

    result(run(official(AZURE), values, secrets=sas_secrets(azurite)))

    stored = azurite.get_blob("orders", "note.txt")
    assert stored.content == "Grüße".encode() and stored.headers["content-type"] == "text/plain"


def test_a_download_as_a_document_as_text_and_as_json(azurite: Azurite) -> None:
    azurite.put_blob("orders", "a/scan.pdf", BINARY, "application/pdf")
    azurite.put_blob("orders", "latin.txt", "Grüße".encode("latin-1"), "text/plain")
    azurite.put_blob("orders", "o.json", b'{"order": 42, "items": ["a"]}', "application/json")
    store = InMemoryDocumentStore()
    secrets = sas_secrets(azurite)

    def fetch(name: str, choice: str, **more: Any) -> Any:
        values = download_values(azurite, name, **{"documentReturnFormat.choice": choice}, **more)
        return result(run(official(AZURE), values, secrets=secrets, store=store))

    reference = fetch("a/scan.pdf", "DOCUMENT")["document"]
    assert reference["metadata"]["contentType"] == "application/pdf"
    assert reference["metadata"]["fileName"] == "a/scan.pdf"  # the blob's name, as in Camunda
    assert read_back(store, reference) == BINARY
    text = fetch("latin.txt", "TEXT", **{"documentReturnFormat.encoding": "ISO-8859-1"})
    assert text == {"content": "Grüße"}
    assert fetch("o.json", "JSON") == {"content": {"order": 42, "items": ["a"]}}


def test_older_versions_return_the_content_as_text_unless_as_file(azurite: Azurite) -> None:
    """v1-v4 without "as file": the bytes as UTF-8 text (BlobStorageExecutor's legacy path)."""
    azurite.put_blob("orders", "t.json", '{"grüße": 1}'.encode(), "application/json")

    values = download_values(azurite, "t.json", **{"operation.asFile": False})
    answer = result(run(official(AZURE, 4), values, secrets=sas_secrets(azurite)))

    assert answer == {"content": '{"grüße": 1}'}


def test_a_missing_container_and_a_missing_blob(azurite: Azurite) -> None:
    secrets = sas_secrets(azurite)
    nowhere = {"operation.container": "nowhere", "documentReturnFormat.choice": "TEXT"}
    values = download_values(azurite, "x.txt", **nowhere)
    message = failed(run(official(AZURE), values, secrets=secrets), BLOB_EXCEPTION)
    assert message == "Status code 404, ContainerNotFound: The specified container does not exist."

    values = download_values(azurite, "missing.txt", **{"documentReturnFormat.choice": "TEXT"})
    outcome = run(official(AZURE), values, secrets=secrets)
    message = failed(outcome, BLOB_EXCEPTION)
    assert message == "Status code 404, BlobNotFound: The specified blob does not exist."
    assert secrets[SAS_SECRET] not in shown(outcome)


def test_a_token_signed_with_another_key_is_refused(azurite: Azurite) -> None:
    forged = azurite.sas_token(key="V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=")
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")

    outcome = run(official(AZURE), upload_values(azurite), secrets={SAS_SECRET: forged},
                  variables={"doc": doc}, store=store)  # fmt: skip

    message = failed(outcome, BLOB_EXCEPTION)
    assert message.startswith("Status code 403, AuthorizationFailure: "), message
    assert forged not in shown(outcome)
    assert forged.split("sig=")[1] not in shown(outcome)  # nor its signature, encoded or not
    assert azurite.containers() == ["orders"] and not azurite.blobs("orders")


def test_the_containers_sas_url_as_the_portal_gives_it(azurite: Azurite) -> None:
    """A SAS URL with the container and the token in it: the account is read from it, the
    container from its own field and the token from the token field (the SDK's builder)."""
    azurite.create_container("archive")
    azurite.put_blob("archive", "k.txt", b"archived", "text/plain")
    token = azurite.sas_token()
    values = download_values(azurite, "k.txt", **{
        "authentication.SASUrl": f"{azurite.endpoint}/orders?{token}",
        "operation.container": "archive", "documentReturnFormat.choice": "TEXT"})  # fmt: skip

    outcome = run(official(AZURE), values, secrets=sas_secrets(azurite))

    assert result(outcome) == {"content": "archived"}


def test_a_pasted_token_shows_its_signature_masked(azurite: Azurite) -> None:
    """A token typed into the field rather than kept as a secret: the run page still hides
    its signature."""
    azurite.put_blob("orders", "k.txt", b"x", "text/plain")
    token = azurite.sas_token()
    pasted = {"authentication.SASToken": token, "documentReturnFormat.choice": "TEXT"}
    values = download_values(azurite, "k.txt", **pasted)

    outcome = run(official(AZURE), values, secrets={})

    assert result(outcome) == {"content": "x"}
    (exchange,) = outcome.trace.exchanges
    assert exchange["url"].endswith("&sig=***") and token.split("sig=")[1] not in exchange["url"]


def test_the_egress_policy_refuses_a_loopback_account(azurite: Azurite) -> None:
    tpl = official(AZURE)
    job = build_job(tpl, values_for(tpl, download_values(azurite, "k.txt")))
    assert job.type is not None
    outcome = run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider(sas_secrets(azurite)),
        time_limit=30.0,
        address_policy=EgressPolicy(),
        document_store=InMemoryDocumentStore(),
    )

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert "The egress policy refused 127.0.0.1" in outcome.message


def test_a_secret_goes_only_to_the_hosts_its_owner_listed(azurite: Azurite) -> None:
    """The SAS token's allowed hosts are checked for the account's host before any byte."""
    tpl = official(AZURE)
    job = build_job(tpl, values_for(tpl, download_values(azurite, "k.txt")))
    assert job.type is not None
    outcome = run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider(sas_secrets(azurite)),
        time_limit=30.0,
        allowed_hosts=lambda name: ["*.blob.core.windows.net"],
        document_store=InMemoryDocumentStore(),
    )

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert outcome.message.startswith(f"Secret '{SAS_SECRET}' may not be sent to 127.0.0.1")
    assert outcome.trace.exchanges == []  # refused before any request


def test_an_upload_to_a_missing_container(azurite: Azurite) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")
    values = upload_values(azurite, **{"operation.container": "nowhere"})

    outcome = run(official(AZURE), values, secrets=sas_secrets(azurite), variables={"doc": doc},
                  store=store)  # fmt: skip

    message = failed(outcome, BLOB_EXCEPTION)
    assert message == "Status code 404, ContainerNotFound: The specified container does not exist."


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"operation.container": " "}, "operation.container: must not be blank"),
        ({"authentication.SASUrl": "ftp://x"}, "authentication.SASUrl: must be an http(s) URL"),
        ({"operation.timeout": 0}, "operation.timeout: must be greater than or equal to 1"),
        ({"operation.operation_document_camundaReference": "=missing", "operation.document": ""},
         "operation.document: must not be null"),
    ],
    ids=["container", "url", "timeout", "document"],
)  # fmt: skip
def test_bad_input_names_the_field(azurite: Azurite, change: dict[str, Any], problem: str) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")

    outcome = run(official(AZURE), {**upload_values(azurite), **change},
                  secrets=sas_secrets(azurite), variables={"doc": doc}, store=store)  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert outcome.message.startswith(problem), outcome.message


def test_the_generated_template_is_valid() -> None:
    generated = azure_blob_storage.element_template()
    assert validate_template(generated) == []


def test_a_read_only_token_may_not_upload(azurite: Azurite) -> None:
    """Access denied: Azurite enforces the token's permissions (`sp=rl`)."""
    store = InMemoryDocumentStore()
    doc = document(store, b"x", "text/plain", "x.txt")
    read_only = {SAS_SECRET: azurite.sas_token(permissions="rl")}

    outcome = run(official(AZURE), upload_values(azurite), secrets=read_only,
                  variables={"doc": doc}, store=store)  # fmt: skip

    message = failed(outcome, BLOB_EXCEPTION)
    assert message.startswith("Status code 403, AuthorizationPermissionMismatch: "), message
    assert not azurite.blobs("orders")


def test_a_busy_service_fails_with_its_code_for_a_retry() -> None:
    """Throttling, which Azurite does not do: a local server answers as the Blob service does
    when an account is over its limits."""
    busy = (
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>'
        "Ingress is over the account limit.\nRequestId:1\nTime:now</Message></Error>"
    )
    with RecordingServer() as server:
        server.fallback = Reply(503, [("x-ms-error-code", "ServerBusy")], busy)
        values = {"authentication.type": "SAS", "authentication.SASToken": "{{secrets.SAS}}",
                  "authentication.SASUrl": f"{server.url}/account",
                  "operationDiscriminator": "downloadBlob", "operation.container": "orders",
                  "operation.fileName": "k.txt"}  # fmt: skip

        outcome = run(official(AZURE), values, secrets={"SAS": "sv=2019-12-12&sig=abc"})

        assert server.last().path == "/account/orders/k.txt"
    message = failed(outcome, BLOB_EXCEPTION)  # retries - 1: the job is tried again
    assert message == "Status code 503, ServerBusy: Ingress is over the account limit."
