"""`io.camunda:google-gcs:1`, Camunda's Google Cloud Storage connector (outbound): upload a
document as an object, download an object into a document or as content, authenticated by a
service account's JSON key. Inputs, results and failures as Camunda's
ObjectStorageConnectorFunction, ObjectStorageExecutor, the `model.request` records (UploadObject,
DownloadObject, Authentication) and `model.response` records; sent to the Cloud Storage JSON
API with the hub's HTTP client (docs/cloud-storage.md says why not the SDK).
"""

from __future__ import annotations

import os
from urllib.parse import quote

from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, connector
from connectorhub_sdk.types import FeelText, Flag
from pydantic import BaseModel, ConfigDict

from connectors.builtin.http.client import HttpCall, HttpReply

from . import google_auth
from .common import (
    DocumentReturnFormat,
    Operation,
    StorageError,
    chosen_content,
    chosen_operation,
    json_body,
    json_error,
    legacy_download,
    not_blank,
    send,
    upload_document,
    upload_name,
)

OPERATIONS = ("uploadObject", "downloadObject")
STORAGE_EXCEPTION = "com.google.cloud.storage.StorageException"
# The Cloud Storage JSON API's root; another one (a private endpoint, an emulator in tests) is a
# setting of the hub's processes, as STORAGE_EMULATOR_HOST is for Google's client libraries.
ENDPOINT_SETTING = "CONNECTORHUB_GCS_ENDPOINT"
DEFAULT_ENDPOINT = "https://storage.googleapis.com"
TIMEOUT = 60.0  # seconds, for connect and for each read; the Java client's default is 20 s


class ObjectOperation(Operation):
    """Camunda's UploadObject and DownloadObject records, bound together as `operation`."""

    project: FeelText | None = None
    bucket: FeelText | None = None
    asDocument: Flag = False  # v1-v3's "download as document"; deprecated in Camunda


class GcsAuthentication(BaseModel):
    model_config = ConfigDict(extra="ignore")
    jsonKey: FeelText | None = None


class GcsInput(BaseModel):
    """The union of the inputs of every version of Camunda's Google Cloud Storage template."""

    model_config = ConfigDict(extra="ignore")
    authentication: GcsAuthentication | None = None
    operationDiscriminator: FeelText | None = None
    operation: ObjectOperation | None = None
    documentReturnFormat: DocumentReturnFormat | None = None


@connector(
    type="io.camunda:google-gcs:1",
    name="Google Cloud Storage",
    input=GcsInput,
    description="Upload documents to and download objects from Google Cloud Storage buckets; "
    "runs Camunda's official Google Cloud Storage templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/google-cloud-storage/",
)
def google_cloud_storage(data: GcsInput, context: ConnectorContext) -> JSON:
    """Run the chosen operation and return Camunda's UploadResponse or DownloadResponse."""
    chosen = chosen_operation(data.operationDiscriminator, OPERATIONS)
    operation = data.operation or ObjectOperation()
    not_blank(operation.project, "operation.project")
    bucket = not_blank(operation.bucket, "operation.bucket")
    key_text = not_blank((data.authentication or GcsAuthentication()).jsonKey,
                         "authentication.jsonKey")  # fmt: skip
    key = google_auth.service_account(key_text)
    if chosen == "uploadObject":
        return upload(key, bucket, operation, context)
    name = not_blank(operation.fileName, "operation.fileName")
    if data.documentReturnFormat is not None:
        return download(key, bucket, name, data.documentReturnFormat, context)
    return legacy(key, bucket, name, operation.asDocument, context)


def endpoint() -> str:
    return (os.environ.get(ENDPOINT_SETTING) or DEFAULT_ENDPOINT).rstrip("/")


def upload(
    key: google_auth.ServiceAccount,
    bucket: str,
    operation: ObjectOperation,
    context: ConnectorContext,
) -> JSON:
    """A media upload of the document's bytes under `fileName`, else the document's file name.
    Camunda's executor wraps every failure of the upload itself: *Failed to upload file*."""
    document = upload_document(operation, context)
    name = upload_name(operation, document)
    try:
        token = google_auth.access_token(key, context)
        url = f"{endpoint()}/upload/storage/v1/b/{quote(bucket, safe='')}/o"
        # The document's content type is stored with the object (Camunda's BlobInfo carries
        # none, so there every object is application/octet-stream; docs/cloud-storage.md).
        content_type = document.content_type or "application/octet-stream"
        call = HttpCall(
            "POST",
            url,
            [("Authorization", f"Bearer {token}"), ("Content-Type", content_type)],
            query=[("uploadType", "media"), ("name", name)],
            content=document.content,
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
        )
        reply = send(call, context, f"GCS objects.insert · to {bucket}/{name}")
        if reply.status != 200:
            raise _failure(reply, "The specified bucket does not exist.")
    except (ConnectorError, StorageError) as exc:
        raise ConnectorError(None, f"Failed to upload file: {exc}") from None
    stored = json_body(reply)
    bucket, name = str(stored.get("bucket") or bucket), str(stored.get("name") or name)
    return {
        "bucket": bucket,
        "filename": name,
        "downloadUrl": f"https://storage.cloud.google.com/{bucket}/{name}",
    }


def download(
    key: google_auth.ServiceAccount,
    bucket: str,
    name: str,
    return_format: DocumentReturnFormat,
    context: ConnectorContext,
) -> JSON:
    """Templates v4+: the content as the `documentReturnFormat` choice says; a failure is the
    client's StorageException, as Camunda's new download path lets it through."""
    content, content_type = _fetch(key, bucket, name, context)
    return chosen_content(return_format, content, content_type, name, context)


def legacy(
    key: google_auth.ServiceAccount,
    bucket: str,
    name: str,
    as_document: bool,
    context: ConnectorContext,
) -> JSON:
    """Templates v1-v3: a document when "as document" is on, else UTF-8 text; a failure is a
    ConnectorException whose message is the cause's Java `toString()`."""
    try:
        content, content_type = _fetch(key, bucket, name, context)
    except StorageError as exc:
        raise ConnectorError(None, f"{exc.java_type}: {exc}") from None
    return legacy_download(content, content_type, name, as_document, context)


def _fetch(
    key: google_auth.ServiceAccount, bucket: str, name: str, context: ConnectorContext
) -> tuple[bytes, str | None]:
    token = google_auth.access_token(key, context)
    url = f"{endpoint()}/download/storage/v1/b/{quote(bucket, safe='')}/o/{quote(name, safe='')}"
    call = HttpCall("GET", url, [("Authorization", f"Bearer {token}")], query=[("alt", "media")],
                    connect_timeout=TIMEOUT, read_timeout=TIMEOUT)  # fmt: skip
    reply = send(call, context, f"GCS objects.get · from {bucket}/{name}")
    if reply.status != 200:
        raise _failure(reply, f"No such object: {bucket}/{name}")
    return reply.content, reply.header("content-type")


def _failure(reply: HttpReply, missing: str) -> StorageError:
    """The JSON API's error as the Java client's StorageException: its message, or MISSING for
    a 404 that says no more than "Not Found" (Cloud Storage itself names what is missing:
    `No such object: BUCKET/NAME`, `The specified bucket does not exist.`)."""
    message = str(json_error(reply).get("message") or "")
    if not message:
        text = reply.content.decode("utf-8", errors="replace").strip()
        message = text.splitlines()[0] if text else ""
    if reply.status == 404 and message.lower() in ("", "not found", reply.reason.lower()):
        message = missing
    return StorageError(STORAGE_EXCEPTION, message or f"{reply.status} {reply.reason}")
