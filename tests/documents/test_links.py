"""Document links (Camunda's `Document.generateLink(DocumentLinkParameters)`): a connector asks
for a link to a stored document, and anyone with the link downloads it, without signing in,
until the link or the document expires; an external document's link is its URL; inline
documents and stores without links refuse, as Camunda's do."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from connectorhub_sdk import ConnectorContext, connector
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentLinkUnsupported,
    DocumentNotFound,
    Documents,
    InMemoryDocumentStore,
)
from connectorhub_sdk.testing import run_connector
from django.test import Client
from django.utils import timezone
from pydantic import BaseModel

from connectors.documents.store import HubDocumentStore
from connectors.models import StoredDocument
from tests.services.http_servers import RecordingServer

# transaction=True: run_connector calls the connector in a thread, which must see the rows
pytestmark = [pytest.mark.xdist_group("documents"), pytest.mark.django_db(transaction=True)]

BASE = "https://hub.example.com"


class LinkInput(BaseModel):
    document: Any
    minutes: int | None = None


@connector(type="test:document-link:1", name="Link a document", input=LinkInput, version=1)
def link_document(data: LinkInput, context: ConnectorContext) -> dict[str, str]:
    document = context.documents.load(data.document, field="document")
    ttl = timedelta(minutes=data.minutes) if data.minutes is not None else None
    return {"link": document.generate_link(ttl)}


@pytest.fixture(autouse=True)
def base_url(settings: Any) -> None:
    settings.CONNECTORHUB_DOCUMENT_LINK_BASE_URL = BASE + "/"


def stored(content: bytes = b"%PDF-1.7 invoice", **metadata: Any) -> dict[str, Any]:
    request = DocumentCreationRequest(
        content=content, content_type="application/pdf", file_name="invoice.pdf", **metadata
    )
    return HubDocumentStore().create(request).as_json()


def link_of(reference: dict[str, Any], minutes: int | None = None) -> str:
    answer = run_connector(
        link_document,
        {"document": reference, "minutes": minutes},
        documents=HubDocumentStore(),
    )
    link: str = answer["link"]
    return link


def path_of(link: str) -> str:
    """LINK without the base URL (the test client asks the hub itself)."""
    assert link.startswith(BASE + "/documents/link/"), link
    return link.removeprefix(BASE)


def test_a_connector_links_a_document_that_downloads_without_signing_in() -> None:
    link = link_of(stored(), minutes=5)

    download = Client().get(path_of(link))  # nobody signed in

    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 invoice"
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="invoice.pdf"')


def test_a_link_answers_410_once_it_expires() -> None:
    reference = stored()
    document = Documents(HubDocumentStore()).load(reference)
    link = document.generate_link(timedelta(seconds=1))
    assert Client().get(path_of(link)).status_code == 200

    time.sleep(1.1)  # past the link's expiry (whole seconds)

    expired = Client().get(path_of(link))
    assert expired.status_code == 410
    assert b"expired" in expired.content


def test_a_link_without_a_time_to_live_ends_with_its_document() -> None:
    reference = stored(time_to_live=timedelta(days=1))
    link = link_of(reference)  # Camunda's default: one hour
    assert Client().get(path_of(link)).status_code == 200

    StoredDocument.objects.filter(document_id=reference["documentId"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert Client().get(path_of(link)).status_code == 410


def test_a_tampered_or_stale_link_is_a_404() -> None:
    reference = stored()
    link = path_of(link_of(reference))
    tampered = link.replace("/documents/link/", "/documents/link/x")

    assert Client().get(tampered).status_code == 404
    StoredDocument.objects.filter(document_id=reference["documentId"]).delete()
    assert Client().get(link).status_code == 404


def test_a_reference_that_does_not_resolve_gets_no_link() -> None:
    reference = stored()
    document = Documents(HubDocumentStore()).load(reference)
    StoredDocument.objects.filter(document_id=reference["documentId"]).delete()

    with pytest.raises(DocumentNotFound, match="not found"):
        document.generate_link()


def test_an_external_documents_link_is_its_url() -> None:
    with RecordingServer() as server:  # unknown paths echo the request
        url = f"{server.url}/files/a.pdf"
        link = link_of({"camunda.document.type": "external", "url": url})

    assert link == url  # Camunda's ExternalDocument: the reference's own URL


def test_inline_documents_and_stores_without_links_refuse() -> None:
    inline = {"camunda.document.type": "inline", "content": "hello", "name": "a.txt"}
    with pytest.raises(DocumentLinkUnsupported, match="Inline documents do not support"):
        Documents(HubDocumentStore()).load(inline).generate_link()

    memory = InMemoryDocumentStore()
    reference = memory.create(DocumentCreationRequest(content=b"x"))
    with pytest.raises(DocumentLinkUnsupported, match="does not generate links"):
        Documents(memory).load(reference).generate_link()
