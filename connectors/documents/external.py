"""External documents (`{"camunda.document.type": "external", "url", "name"}`): fetched with a
GET when a connector reads one, as Camunda's `ExternalDocument` downloads it through the
`DocumentFactoryImpl`'s HTTP client; nothing is stored.

The request goes through the built-in connectors' HTTP client, so it passes the network door
like REST's: the egress policy (a dry-run may not reach loopback or private addresses), the
per-secret host rules, the response size limit (CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES), the run's
time limit and the exchange trace. A status of 400 or more fails as Camunda's
`CustomResponseHandler` does: a ConnectorException whose code is the status.
"""

from __future__ import annotations

import re
import uuid

from connectorhub_sdk import ConnectorContext
from connectorhub_sdk.documents import Document, DocumentMetadata, ExternalDocumentReference

from connectors.builtin.http.client import HttpCall, HttpReply, execute
from connectors.builtin.http.response import http_error


def external_document(
    reference: ExternalDocumentReference, context: ConnectorContext, field: str | None = None
) -> Document:
    """The document at REFERENCE's URL, fetched now (redirects are not followed: Camunda's
    client does not follow them for documents)."""
    call = HttpCall(method="GET", url=reference.url, url_field=f"{field}.url" if field else "url")
    reply = execute(call, context)
    if reply.status >= 400:
        raise http_error(reply)
    metadata = DocumentMetadata(
        content_type=reply.header("content-type"),
        size=len(reply.content),
        file_name=reference.name or file_name_of(reply),
    )
    return Document(reference=reference, metadata=metadata, content=reply.content)


_FILENAME = re.compile(r"filename=(.*)$")
_SUBTYPE = re.compile(r"^[A-Za-z0-9]+")


def file_name_of(reply: HttpReply) -> str:
    """The name of a download without a `name`, as Camunda's HttpHeaderFilenameResolver makes
    it: Content-Disposition's `filename=` (quotes removed), else a random UUID; without a dot,
    the content type's subtype as the extension (`image/svg+xml` gives `.svg`)."""
    disposition = reply.header("content-disposition") or ""
    found = _FILENAME.search(disposition)
    name = found.group(1).strip() if found else str(uuid.uuid4())
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    if "." not in name:
        content_type = reply.header("content-type") or ""
        if "/" in content_type:
            subtype = _SUBTYPE.match(content_type.split("/", 1)[1])
            if subtype:
                name += "." + subtype.group(0).lower()
    return name
