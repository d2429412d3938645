"""`io.camunda:aws-s3:1`, Camunda's AWS S3 connector (outbound): upload a document as an object,
download an object into a document or as content, delete an object; results shaped as
Camunda's `UploadResponse`, `DownloadResponse` (with its `Element`) and `DeleteResponse`
(S3ConnectorFunction, S3Executor, the `model.request` records; the runtime's
DocumentReturnProcessor for the `documentReturnFormat` choice of templates v5+).
"""

from __future__ import annotations

import base64
import io
import json

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.documents import Document
from connectorhub_sdk.types import FeelObject, FeelText, Flag, Text
from pydantic import BaseModel, ConfigDict

from connectors.builtin.document_return import (
    DocumentReturnFormat,
    chosen_content,
    stored_document,
)

from . import base, errors

ACTIONS = ("uploadObject", "downloadObject", "deleteObject")
# Camunda's InlineSizeGuard: TEXT and JSON content larger than this belongs in a document


class Action(BaseModel):
    """The `action` variable of every template version (Camunda's UploadObject, DownloadObject
    and DeleteObject records), plus the document source fields of v3+."""

    model_config = ConfigDict(extra="ignore")
    bucket: FeelText | None = None
    key: FeelText | None = None
    document: FeelObject = None
    asFile: Flag = False  # v1-v4's "download as file"; deprecated in Camunda
    action_document_documentSource: Text | None = None
    action_document_camundaReference: FeelObject = None
    action_document_inline_content: FeelObject = None
    action_document_inline_fileName: Text | None = None
    action_document_inline_contentType: Text | None = None


class S3Input(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's S3 template."""

    actionDiscriminator: FeelText | None = None
    action: Action | None = None
    documentReturnFormat: DocumentReturnFormat | None = None


@connector(
    type="io.camunda:aws-s3:1",
    name="AWS S3 Connector",
    input=S3Input,
    description="Upload, download and delete objects in Amazon S3 buckets; runs Camunda's "
    "official S3 templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-s3/",
)
def s3(data: S3Input, context: ConnectorContext) -> JSON:
    """Run the chosen action and return Camunda's result for it."""
    chosen = (data.actionDiscriminator or "").strip()
    if chosen not in ACTIONS:
        raise ConnectorInputError(
            f"must be one of {', '.join(ACTIONS)}, got '{chosen}'", field="actionDiscriminator"
        )
    action = data.action or Action()
    _not_blank(action.bucket, "action.bucket")
    where = base.target(data, "s3", context)
    if chosen == "uploadObject":
        return upload(where, action, context)
    _not_blank(action.key, "action.key")
    if chosen == "downloadObject":
        return download(where, action, data.documentReturnFormat, context)
    return delete(where, action, context)


def _not_blank(value: str | None, field: str) -> None:
    if not (value or "").strip():
        raise ConnectorInputError("must not be blank", field=field)


def upload(where: base.Target, action: Action, context: ConnectorContext) -> JSON:
    """PutObject with the document's bytes, length and content type; the key defaults to the
    document's file name. The result repeats the key as given (null when none was), and so
    does the link, as Camunda's UploadResponse does."""
    document = _document(action, context)
    key = action.key or document.file_name  # an empty key is none (S3 refuses it)
    if not key:
        raise ConnectorInputError(
            "must not be blank when the document has no file name", field="action.key"
        )
    params = {
        "Bucket": action.bucket,
        "Key": key,
        "Body": _Content(document.content, document.content_type),
        "ContentLength": len(document.content),
        "ContentType": document.content_type,
    }
    base.call(where, "put_object", params, context, f"to {action.bucket}/{key}")
    return {
        "bucket": action.bucket,
        "key": action.key,
        "link": f"https://{action.bucket}.s3.amazonaws.com/{_java(action.key)}",
    }


def _document(action: Action, context: ConnectorContext) -> Document:
    """The document to upload. Templates v3-v6 build `action.document` from variables they
    name without the `action.` prefix their own bindings add, so in Camunda it is always
    null there; the source fields are in the job, so they are read instead (v7 fixed it)."""
    value = action.document
    if value is None and action.action_document_documentSource == "camunda":
        value = action.action_document_camundaReference
    elif value is None and action.action_document_documentSource == "inline":
        value = {
            "camunda.document.type": "inline",
            "content": action.action_document_inline_content,
            "name": action.action_document_inline_fileName,
            "contentType": action.action_document_inline_contentType,
        }
    if value is None:
        raise ConnectorInputError("must not be null", field="action.document")
    return context.documents.load(value, field="action.document")


class _Content(io.BytesIO):
    """The upload's body: a stream botocore can rewind for retries, shown on the run page as
    its size rather than its bytes."""

    def __init__(self, content: bytes, content_type: str) -> None:
        super().__init__(content)
        self.label = f"<{len(content)} bytes of {content_type}>"

    def __str__(self) -> str:
        return self.label


def download(
    where: base.Target,
    action: Action,
    return_format: DocumentReturnFormat | None,
    context: ConnectorContext,
) -> JSON:
    """GetObject; the content as the `documentReturnFormat` choice says (v5+), else as the
    deprecated `asFile` flag says (v1-v4)."""
    params = {"Bucket": action.bucket, "Key": action.key}
    answer = base.call(where, "get_object", params, context, f"from {action.bucket}/{action.key}")
    content: bytes = answer.get("Body") or b""
    content_type: str | None = answer.get("ContentType")
    if return_format is not None:
        element = chosen_content(return_format, content, content_type, action.key, context)
    elif action.asFile:
        element = {"document": stored_document(content, content_type, action.key, context)}
    else:
        element = _legacy_content(content, content_type)
    return {"bucket": action.bucket, "key": action.key, "element": element}


def _legacy_content(content: bytes, content_type: str | None) -> JSON:
    """S3Executor.retrieveResponseWithContent: exactly `text/plain` is text, exactly
    `application/json` is parsed, anything else is base64 text."""
    if content_type == "text/plain":
        return {"content": content.decode("utf-8", errors="replace")}
    if content_type == "application/json":
        try:
            return {"content": json.loads(content)}
        except ValueError as exc:
            raise errors.AwsError(
                "java.lang.RuntimeException",
                f"com.fasterxml.jackson.core.JsonParseException: the object is not JSON ({exc})",
            ) from None
    return {"content": base64.b64encode(content).decode("ascii")}


def delete(where: base.Target, action: Action, context: ConnectorContext) -> JSON:
    """DeleteObject; S3 answers a missing key with success, and so does this."""
    params = {"Bucket": action.bucket, "Key": action.key}
    base.call(where, "delete_object", params, context, f"{action.bucket}/{action.key}")
    return {"bucket": action.bucket, "key": action.key}


def _java(value: str | None) -> str:
    """String.format's `%s` of a possibly null text."""
    return "null" if value is None else value
