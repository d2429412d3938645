"""Document links: a download URL for a stored document that works without signing in until it
expires, as Camunda's store makes them (`CamundaDocumentStore.generateLink` with
`DocumentLinkParameters(timeToLive)`; its REST API's document links last one hour by default).

The link carries the document id, store, content hash and expiry, signed with the hub's
SECRET_KEY (django.core.signing): nothing is stored, and a changed SECRET_KEY voids every link.
It is a capability: whoever has the URL may download the document until the link expires.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from connectors.models import StoredDocument

DEFAULT_LINK_TIME_TO_LIVE = timedelta(hours=1)
_SALT = "connectors.documents.link"


def link_create(row: StoredDocument, time_to_live: timedelta | None = None) -> str:
    """An absolute URL that downloads ROW for TIME_TO_LIVE (one hour when None); the link
    never outlives the document (a download checks the document's own expiry too)."""
    ttl = DEFAULT_LINK_TIME_TO_LIVE if time_to_live is None else time_to_live
    if ttl <= timedelta(0):
        raise ValueError(f"a link's time to live must be positive, got {ttl}")
    expires = time.time() + ttl.total_seconds()
    token = signing.dumps(
        {"d": str(row.document_id), "s": row.store_id, "h": row.content_hash, "e": int(expires)},
        salt=_SALT,
    )
    base = settings.CONNECTORHUB_DOCUMENT_LINK_BASE_URL.rstrip("/")
    return base + reverse("document-link", args=[token])


@dataclass(frozen=True)
class LinkAnswer:
    """What a link resolves to: the row, or why not (`gone`: the link expired)."""

    row: StoredDocument | None
    gone: bool = False


def link_resolve(token: str) -> LinkAnswer:
    """The document TOKEN links to, if its signature holds, it has not expired and the document
    still has the content it had when the link was made."""
    try:
        data = signing.loads(token, salt=_SALT)
        document_id = uuid.UUID(data["d"])
        expires = float(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return LinkAnswer(None)
    if expires <= time.time():
        return LinkAnswer(None, gone=True)
    row = StoredDocument.objects.filter(
        document_id=document_id, store_id=data.get("s"), content_hash=data.get("h")
    ).first()
    if row is None:
        return LinkAnswer(None)
    if row.expires_at is not None and row.expires_at <= timezone.now():
        return LinkAnswer(None, gone=True)
    return LinkAnswer(row)
