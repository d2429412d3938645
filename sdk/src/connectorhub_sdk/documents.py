"""Documents: files a process carries (attachments, CSV files, downloads), as Camunda's
connectors exchange them.

A process variable holds a *reference*, never the bytes: `{"camunda.document.type": "camunda",
"storeId", "documentId", "contentHash", "metadata": {contentType, fileName, size, expiresAt,
customProperties, ...}}` (Camunda's `DocumentReferenceModel.CamundaDocumentReferenceModel` and
`CamundaDocumentMetadataModel`; null and empty metadata fields are left out, as Jackson's
NON_EMPTY does). An `inline` reference (`content`, `name`, `contentType`) carries its text in
the variable itself (`InlineDocumentReferenceModel`); an `external` one (`url`, `name`) points
at a URL the runtime fetches when it is read (`ExternalDocumentReferenceModel`).

A connector creates and loads documents through `context.documents` (Camunda's
`DocumentFactory`): `create(content, ...)` stores the bytes and returns the reference to put in
the result; `load(reference)` gives a `Document` with its bytes. The store behind it is the
hub's (dry-runs and the live worker) or `InMemoryDocumentStore` (`connectorhub_sdk.testing`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from connectorhub_sdk.errors import ConnectorInputError

DOCUMENT_TYPE_KEY = "camunda.document.type"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class DocumentNotFound(Exception):
    """A reference that does not resolve: unknown store or document, expired, or content that
    no longer matches its hash. Camunda's store answers such a read with a ProblemException
    from its client (`CamundaDocumentStoreImpl.getDocumentContent`); the job fails with
    retries - 1."""

    java_type = "io.camunda.client.api.command.ProblemException"


class DocumentLinkUnsupported(Exception):
    """This document has no link: an inline document, or a store that makes none (Camunda's
    InlineDocument and InMemoryDocumentStore throw UnsupportedOperationException)."""

    java_type = "java.lang.UnsupportedOperationException"


class NoDocumentStore(Exception):
    """The runtime this connector runs in has no document store."""

    java_type = "java.lang.IllegalStateException"


def _alias(name: str, *, default: Any = None, required: bool = False) -> Any:
    """A field spelled NAME in JSON (Camunda's spelling), built by its Python name in code."""
    aliases: Any = {"validation_alias": AliasChoices(name), "serialization_alias": name}
    return Field(..., **aliases) if required else Field(default=default, **aliases)


class DocumentMetadata(BaseModel):
    """Camunda's CamundaDocumentMetadataModel."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    content_type: str | None = _alias("contentType")
    expires_at: datetime | None = _alias("expiresAt")
    size: int | None = None
    file_name: str | None = _alias("fileName")
    process_definition_id: str | None = _alias("processDefinitionId")
    process_instance_key: int | None = _alias("processInstanceKey")
    custom_properties: dict[str, Any] | None = _alias("customProperties")

    @model_serializer(mode="wrap")
    def _non_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Jackson's Include.NON_EMPTY on Camunda's model: no nulls, no empty maps
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value not in (None, {}, "")}


class DocumentReference(BaseModel):
    """A document kept in a store (Camunda's CamundaDocumentReferenceModel); what a connector
    returns in its result and finds in its input."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    document_type: Literal["camunda"] = _alias(DOCUMENT_TYPE_KEY, default="camunda")
    store_id: str = _alias("storeId", required=True)
    document_id: str = _alias("documentId", required=True)
    content_hash: str | None = _alias("contentHash")
    metadata: DocumentMetadata = Field(default_factory=DocumentMetadata)

    def as_json(self) -> dict[str, Any]:
        """The reference as a process variable holds it."""
        return self.model_dump(mode="json", by_alias=True)


class InlineDocumentReference(BaseModel):
    """A document whose text is in the variable itself (Camunda's
    InlineDocumentReferenceModel): nothing is stored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    document_type: Literal["inline"] = _alias(DOCUMENT_TYPE_KEY, default="inline")
    content: Any = None
    name: str | None = None
    content_type: str | None = _alias("contentType")


class ExternalDocumentReference(BaseModel):
    """A document at a URL, fetched with a GET when it is read (Camunda's
    ExternalDocumentReferenceModel and ExternalDocument): nothing is stored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    document_type: Literal["external"] = _alias(DOCUMENT_TYPE_KEY, default="external")
    url: str
    name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


AnyReference = DocumentReference | InlineDocumentReference | ExternalDocumentReference
_MODELS = (DocumentReference, InlineDocumentReference, ExternalDocumentReference)
_KINDS: dict[str, type[BaseModel]] = {
    "camunda": DocumentReference,
    "inline": InlineDocumentReference,
    "external": ExternalDocumentReference,
}


def is_document_reference(value: Any) -> bool:
    """Whether VALUE is a document reference (a model, or a dict with the type key)."""
    if isinstance(value, _MODELS):
        return True
    return isinstance(value, Mapping) and value.get(DOCUMENT_TYPE_KEY) in _KINDS


def parse_reference(value: Any, *, field: str | None = None) -> AnyReference:
    """VALUE (a reference model or its JSON) as a reference; a ConnectorInputError naming
    FIELD says what is wrong."""
    if isinstance(value, _MODELS):
        return value
    if not isinstance(value, Mapping) or DOCUMENT_TYPE_KEY not in value:
        raise ConnectorInputError(
            f"expected a document reference (an object with '{DOCUMENT_TYPE_KEY}'), got "
            f"{type(value).__name__}",
            field=field,
        )
    kind = value.get(DOCUMENT_TYPE_KEY)
    model = _KINDS.get(kind) if isinstance(kind, str) else None
    try:
        if model is not None:
            return typing.cast(AnyReference, model.model_validate(value))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = ".".join(str(part) for part in first["loc"])
        raise ConnectorInputError(
            f"document reference field '{name}': {first['msg']}", field=field
        ) from None
    raise ConnectorInputError(
        f"document references of type '{kind}' are not supported here "
        "(supported: camunda, inline, external)",
        field=field,
    )


@dataclass(frozen=True)
class Document:
    """A loaded document: its reference, metadata and bytes (Camunda's Document)."""

    reference: AnyReference
    metadata: DocumentMetadata
    content: bytes
    # what makes a link to a stored document (set by `Documents.load` when its store can)
    link_maker: Callable[[timedelta | None], str] | None = field(
        default=None, repr=False, compare=False
    )

    def generate_link(self, time_to_live: timedelta | None = None) -> str:
        """A URL the document can be downloaded from, valid for TIME_TO_LIVE (the store's
        default when None), as Camunda's `Document.generateLink(DocumentLinkParameters)`: an
        external document's own URL; DocumentLinkUnsupported for an inline one or a store that
        makes no links."""
        if isinstance(self.reference, ExternalDocumentReference):
            return self.reference.url
        if isinstance(self.reference, InlineDocumentReference):
            raise DocumentLinkUnsupported("Inline documents do not support link generation")
        if self.link_maker is None:
            raise DocumentLinkUnsupported("This document store does not generate links")
        return self.link_maker(time_to_live)

    def as_text(self, encoding: str = "utf-8") -> str:
        return self.content.decode(encoding)

    def as_base64(self) -> str:
        return base64.b64encode(self.content).decode("ascii")

    @property
    def file_name(self) -> str | None:
        return self.metadata.file_name

    @property
    def content_type(self) -> str:
        return self.metadata.content_type or DEFAULT_CONTENT_TYPE


@dataclass(frozen=True)
class DocumentCreationRequest:
    """What a new document is made of (Camunda's DocumentCreationRequest)."""

    content: bytes
    content_type: str | None = None
    file_name: str | None = None
    time_to_live: timedelta | None = None
    process_definition_id: str | None = None
    process_instance_key: int | None = None
    custom_properties: Mapping[str, Any] | None = None


@typing.runtime_checkable
class DocumentStore(typing.Protocol):
    """Where documents are kept. `create` stores a request's content and returns its reference;
    `read` returns the content of a reference, or raises DocumentNotFound."""

    def create(self, request: DocumentCreationRequest) -> DocumentReference: ...

    def read(self, reference: DocumentReference) -> bytes: ...


@typing.runtime_checkable
class ExternalDocumentFetcher(typing.Protocol):
    """A store that can also fetch external documents (the hub's: through the network door of
    CONTEXT, so the egress policy and the per-secret host rules apply). FIELD names the input
    field the reference came from, for error messages."""

    def fetch_external(
        self, reference: ExternalDocumentReference, context: Any, field: str | None
    ) -> Document: ...


@typing.runtime_checkable
class DocumentLinkGenerator(typing.Protocol):
    """A store that makes download links (Camunda's CamundaDocumentStore.generateLink)."""

    def generate_link(
        self, reference: DocumentReference, time_to_live: timedelta | None
    ) -> str: ...


def content_hash(content: bytes) -> str:
    """The hash a reference carries and a load checks: SHA-256, hex."""
    return hashlib.sha256(content).hexdigest()


def new_metadata(
    request: DocumentCreationRequest, *, now: datetime | None = None
) -> DocumentMetadata:
    """The metadata a store records for REQUEST."""
    expires = None
    if request.time_to_live is not None:
        expires = (now or datetime.now(UTC)) + request.time_to_live
    return DocumentMetadata(
        content_type=request.content_type or DEFAULT_CONTENT_TYPE,
        expires_at=expires,
        size=len(request.content),
        file_name=request.file_name,
        process_definition_id=request.process_definition_id,
        process_instance_key=request.process_instance_key,
        custom_properties=dict(request.custom_properties) if request.custom_properties else None,
    )


def not_found(reference: DocumentReference, why: str = "not found") -> DocumentNotFound:
    return DocumentNotFound(
        f"Failed to read document content: document '{reference.document_id}' in store "
        f"'{reference.store_id}' {why}"
    )


class InMemoryDocumentStore:
    """A store in a dict (Camunda's InMemoryDocumentStore): for tests and a runtime without
    a hub. Expiry is not enforced."""

    store_id = "in-memory"

    def __init__(self) -> None:
        self.documents: dict[str, tuple[DocumentMetadata, bytes]] = {}

    def create(self, request: DocumentCreationRequest) -> DocumentReference:
        document_id = str(uuid.uuid4())
        metadata = new_metadata(request)
        self.documents[document_id] = (metadata, bytes(request.content))
        return DocumentReference(
            store_id=self.store_id,
            document_id=document_id,
            content_hash=content_hash(request.content),
            metadata=metadata,
        )

    def read(self, reference: DocumentReference) -> bytes:
        found = self.documents.get(reference.document_id)
        if reference.store_id != self.store_id or found is None:
            raise not_found(reference)
        return found[1]


class Documents:
    """`context.documents`: create and load documents in the run's store. CONTEXT (the run's
    ConnectorContext) is what external documents are fetched through."""

    def __init__(self, store: DocumentStore | None, context: Any = None) -> None:
        self._store = store
        self._context = context

    @property
    def available(self) -> bool:
        return self._store is not None

    def create(
        self,
        content: bytes | str | BinaryIO,
        *,
        content_type: str | None = None,
        file_name: str | None = None,
        time_to_live: timedelta | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        process_definition_id: str | None = None,
        process_instance_key: int | None = None,
    ) -> DocumentReference:
        """Store CONTENT (bytes, text as UTF-8, or a binary stream read to its end); the
        reference to return in the result."""
        if isinstance(content, str):
            data = content.encode("utf-8")
        elif isinstance(content, bytes | bytearray | memoryview):
            data = bytes(content)
        else:
            data = content.read()
        request = DocumentCreationRequest(
            content=data,
            content_type=content_type,
            file_name=file_name,
            time_to_live=time_to_live,
            process_definition_id=process_definition_id,
            process_instance_key=process_instance_key,
            custom_properties=custom_properties,
        )
        return self._require_store().create(request)

    def load(self, reference: Any, *, field: str | None = None) -> Document:
        """The document REFERENCE (a model or its JSON) points to, with its bytes.

        A malformed reference raises ConnectorInputError naming FIELD; one that does not resolve,
        DocumentNotFound."""
        parsed = parse_reference(reference, field=field)
        if isinstance(parsed, InlineDocumentReference):
            return _inline_document(parsed)
        if isinstance(parsed, ExternalDocumentReference):
            return self._external(parsed, field)
        store = self._require_store()
        content = store.read(parsed)
        link_maker = None
        if isinstance(store, DocumentLinkGenerator):
            link_maker = functools.partial(store.generate_link, parsed)
        return Document(
            reference=parsed, metadata=parsed.metadata, content=content, link_maker=link_maker
        )

    def _external(self, reference: ExternalDocumentReference, field: str | None) -> Document:
        store = self._store
        if not isinstance(store, ExternalDocumentFetcher) or self._context is None:
            raise NoDocumentStore(
                f"This runtime cannot fetch external documents ('{reference.url}')"
            )
        return store.fetch_external(reference, self._context, field)

    def _require_store(self) -> DocumentStore:
        if self._store is None:
            raise NoDocumentStore("This runtime has no document store")
        return self._store


def _inline_document(reference: InlineDocumentReference) -> Document:
    """Camunda's InlineDocument: text as UTF-8, anything else as its JSON."""
    value = reference.content
    if isinstance(value, str):
        content = value.encode("utf-8")
    else:
        content = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    metadata = DocumentMetadata(
        content_type=reference.content_type or "text/plain",
        size=len(content),
        file_name=reference.name,
    )
    return Document(reference=reference, metadata=metadata, content=content)


__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DOCUMENT_TYPE_KEY",
    "Document",
    "DocumentCreationRequest",
    "DocumentLinkGenerator",
    "DocumentLinkUnsupported",
    "DocumentMetadata",
    "DocumentNotFound",
    "DocumentReference",
    "DocumentStore",
    "Documents",
    "ExternalDocumentFetcher",
    "ExternalDocumentReference",
    "InMemoryDocumentStore",
    "InlineDocumentReference",
    "NoDocumentStore",
    "content_hash",
    "is_document_reference",
    "new_metadata",
    "not_found",
    "parse_reference",
]
