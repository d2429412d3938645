"""`io.camunda:azure-blobstorage:1`, Camunda's Azure Blob Storage connector (outbound): upload a
document as a block blob, download a blob into a document or as content, with a SAS token or
OAuth 2.0 client credentials (Microsoft Entra ID). Inputs, results and failures as Camunda's
BlobStorageConnectorFunction, BlobStorageExecutor, the `model.request` records (UploadBlob,
DownloadBlob, SASAuthentication, OAuthAuthentication) and `model.response` records; sent to the
Blob service's REST API with the hub's HTTP client (docs/cloud-storage.md says why not the SDK).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote, urlencode

import httpx
from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.documents import Document
from connectorhub_sdk.types import FeelText, Flag, OptionalInt, Text
from pydantic import BaseModel, ConfigDict

from connectors.builtin.http.client import HttpCall, HttpReply

from .common import (
    DocumentReturnFormat,
    Operation,
    StorageError,
    chosen_content,
    chosen_operation,
    json_body,
    legacy_download,
    not_blank,
    send,
    upload_document,
    upload_name,
)

OPERATIONS = ("uploadBlob", "downloadBlob")
SAS, OAUTH = "SAS", "oAuth-client-credentials-flow"
API_VERSION = "2023-11-03"  # x-ms-version: a Blob service version Azure and Azurite both serve
BLOB_EXCEPTION = "com.azure.storage.blob.models.BlobStorageException"
AUTH_EXCEPTION = "com.azure.core.exception.ClientAuthenticationException"
# Where client credentials are exchanged for a token; Azure Identity's AZURE_AUTHORITY_HOST
# (sovereign clouds, or a local token endpoint in tests) under the hub's name.
AUTHORITY_SETTING = "CONNECTORHUB_AZURE_AUTHORITY_HOST"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
STORAGE_SCOPE = "https://storage.azure.com/.default"
DOWNLOAD_TIMEOUT = 60.0  # seconds; the SDK's default response timeout


class Authentication(BaseModel):
    """Camunda's SASAuthentication and OAuthAuthentication (`type` chooses; templates v1-v2
    offer the SAS fields only)."""

    model_config = ConfigDict(extra="ignore")
    type: Text | None = None
    SASToken: FeelText | None = None
    SASUrl: FeelText | None = None
    tenantId: FeelText | None = None
    clientId: FeelText | None = None
    clientSecret: FeelText | None = None
    accountUrl: FeelText | None = None


class BlobOperation(Operation):
    """Camunda's UploadBlob and DownloadBlob records, bound together as `operation`."""

    container: FeelText | None = None
    timeout: OptionalInt = None
    asFile: Flag = False  # v1-v4's "download as file"; deprecated in Camunda


class AzureBlobInput(BaseModel):
    """The union of the inputs of every version of Camunda's Azure Blob Storage template."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None
    operationDiscriminator: FeelText | None = None
    operation: BlobOperation | None = None
    documentReturnFormat: DocumentReturnFormat | None = None


@dataclass(frozen=True)
class Access:
    """Where the account is and how requests prove who sends them."""

    account: str  # the account's URL, e.g. https://acme.blob.core.windows.net
    sas: str | None = None  # query text
    bearer: str | None = None


@connector(
    type="io.camunda:azure-blobstorage:1",
    name="Azure Blob Storage",
    input=AzureBlobInput,
    description="Upload documents to and download blobs from Azure Blob Storage containers; runs "
    "Camunda's official Azure Blob Storage templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/azure-blob-storage/",
)
def azure_blob_storage(data: AzureBlobInput, context: ConnectorContext) -> JSON:
    """Run the chosen operation and return Camunda's UploadResponse or DownloadResponse."""
    chosen = chosen_operation(data.operationDiscriminator, OPERATIONS)
    operation = data.operation or BlobOperation()
    container = not_blank(operation.container, "operation.container")
    if chosen == "uploadBlob":
        timeout = _timeout(operation.timeout)
        document = upload_document(operation, context)
        access = _access(data.authentication, context)
        return upload(access, container, operation, document, timeout, context)
    name = not_blank(operation.fileName, "operation.fileName")
    access = _access(data.authentication, context)
    return download(access, container, name, operation, data.documentReturnFormat, context)


def _timeout(value: object) -> float:
    """UploadBlob's `@NotNull @Min(1) Integer timeout`, in seconds."""
    if value is None:
        raise ConnectorInputError("must not be null", field="operation.timeout")
    try:
        seconds = int(str(value))
    except ValueError:
        raise ConnectorInputError(
            f"must be a whole number of seconds, got '{value}'", field="operation.timeout"
        ) from None
    if seconds < 1:
        raise ConnectorInputError("must be greater than or equal to 1", field="operation.timeout")
    return float(seconds)


def upload(
    access: Access,
    container: str,
    operation: BlobOperation,
    document: Document,
    timeout: float,
    context: ConnectorContext,
) -> JSON:
    """Put Blob (a block blob, in one request) with the document's bytes and content type; the
    blob is named by `fileName`, else by the document's file name."""
    name = upload_name(operation, document)
    url = blob_url(access.account, container, name)
    headers = [*_headers(access), ("x-ms-blob-type", "BlockBlob")]
    headers += [("Content-Type", "application/octet-stream")]
    if document.content_type:
        headers.append(("x-ms-blob-content-type", document.content_type))
    call = HttpCall(
        "PUT",
        _signed(url, access),
        headers,
        content=document.content,
        connect_timeout=timeout,
        read_timeout=timeout,
        url_field=_url_field(access),
    )
    reply = send(call, context, f"Azure Blob Put Blob · to {container}/{name}", ("sig",))
    if reply.status not in (200, 201):
        raise _failure(reply)
    return {"container": container, "filename": name, "link": url}


def download(
    access: Access,
    container: str,
    name: str,
    operation: BlobOperation,
    return_format: DocumentReturnFormat | None,
    context: ConnectorContext,
) -> JSON:
    """Get Blob; the content as the `documentReturnFormat` choice says (v5+), else as the
    deprecated "as file" flag says (v1-v4)."""
    url = _signed(blob_url(access.account, container, name), access)
    call = HttpCall("GET", url, _headers(access), read_timeout=DOWNLOAD_TIMEOUT,
                    url_field=_url_field(access))  # fmt: skip
    reply = send(call, context, f"Azure Blob Get Blob · from {container}/{name}", ("sig",))
    if reply.status != 200:
        raise _failure(reply)
    content_type = reply.header("content-type")
    if return_format is not None:
        return chosen_content(return_format, reply.content, content_type, name, context)
    return legacy_download(reply.content, content_type, name, operation.asFile, context)


def blob_url(account: str, container: str, name: str) -> str:
    """The blob's URL without credentials (BlobClient.getBlobUrl: the name encoded, `/` kept)."""
    return f"{account}/{quote(container, safe='')}/{quote(name, safe='/')}"


def _signed(url: str, access: Access) -> str:
    return f"{url}?{access.sas}" if access.sas else url


def _url_field(access: Access) -> str:
    return "authentication.SASUrl" if access.sas else "authentication.accountUrl"


def _headers(access: Access) -> list[tuple[str, str]]:
    # a request authorized by a bearer token must carry its date; SAS requests may
    headers = [("x-ms-version", API_VERSION), ("x-ms-date", formatdate(usegmt=True))]
    if access.bearer:
        headers.append(("Authorization", f"Bearer {access.bearer}"))
    return headers


def _access(auth: Authentication | None, context: ConnectorContext) -> Access:
    """BlobStorageExecutor.getClient: a SAS token on the SAS URL's account, or a token for the
    application on the account URL."""
    auth = auth or Authentication()
    kind = auth.type or SAS  # the discriminator's default, and the only choice of v1-v2
    if kind == SAS:
        token = not_blank(auth.SASToken, "authentication.SASToken").strip().lstrip("?")
        account = account_url(not_blank(auth.SASUrl, "authentication.SASUrl"), "SASUrl")
        return Access(account, sas=token)
    if kind == OAUTH:
        tenant = not_blank(auth.tenantId, "authentication.tenantId")
        client_id = not_blank(auth.clientId, "authentication.clientId")
        secret = not_blank(auth.clientSecret, "authentication.clientSecret")
        account = account_url(not_blank(auth.accountUrl, "authentication.accountUrl"), "accountUrl")
        return Access(account, bearer=_token(tenant, client_id, secret, context))
    raise ConnectorInputError(
        f"must be one of {SAS}, {OAUTH}, got '{kind}'", field="authentication.type"
    )


def account_url(text: str, field: str) -> str:
    """The account's URL from a SAS URL or account URL, as the SDK's BlobUrlParts reads one:
    scheme and host, plus the account's path segment for IP-style hosts (Azurite's
    `http://127.0.0.1:10000/devstoreaccount1`); a container, blob or query after it is left out
    (the container comes from its own field, the SAS from the token field)."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConnectorInputError(f"is not a URL: {exc}", field=f"authentication.{field}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConnectorInputError(
            "must be an http(s) URL such as https://ACCOUNT.blob.core.windows.net",
            field=f"authentication.{field}",
        )
    host = f"[{url.host}]" if ":" in url.host else url.host
    base = f"{url.scheme}://{host}" + (f":{url.port}" if url.port else "")
    segments = [segment for segment in url.path.split("/") if segment]
    if _ip_style(url.host) and segments:
        base += f"/{segments[0]}"
    return base


def _ip_style(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _token(tenant: str, client_id: str, secret: str, context: ConnectorContext) -> str:
    """An access token for Azure Storage by the client credentials grant (Azure Identity's
    ClientSecretCredential, Microsoft identity platform v2.0 endpoint)."""
    authority = (os.environ.get(AUTHORITY_SETTING) or DEFAULT_AUTHORITY).rstrip("/")
    url = f"{authority}/{quote(tenant, safe='')}/oauth2/v2.0/token"
    form = urlencode({"grant_type": "client_credentials", "client_id": client_id,
                      "client_secret": secret, "scope": STORAGE_SCOPE})  # fmt: skip
    call = HttpCall(
        "POST",
        url,
        [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
        content=form.encode(),
        url_field="authentication.tenantId",
        sensitive_fields=("client_secret", "access_token"),
    )
    reply = send(call, context, f"Entra ID token · client credentials for {client_id}")
    body = json_body(reply)
    token = body.get("access_token")
    if reply.status != 200 or not isinstance(token, str) or not token:
        reason = body.get("error_description") or body.get("error")
        why = (
            str(reason).splitlines()[0] if reason else f"the token endpoint answered {reply.status}"
        )
        raise StorageError(AUTH_EXCEPTION, f"ClientSecretCredential authentication failed: {why}")
    return token


def _failure(reply: HttpReply) -> StorageError:
    """The service's error as the SDK's BlobStorageException: the status, the error code (also
    in `x-ms-error-code`) and the first line of the message (the rest is a request id and a
    time)."""
    text = reply.content.decode("utf-8", errors="replace")
    code = _xml("Code", text) or reply.header("x-ms-error-code") or reply.reason
    message = (_xml("Message", text) or "").strip().splitlines()
    detail = f"{code}: {message[0]}" if message else code
    return StorageError(BLOB_EXCEPTION, f"Status code {reply.status}, {detail}")


def _xml(tag: str, text: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    return found.group(1) if found else None
