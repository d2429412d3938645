"""Camunda's REST connector, `io.camunda:http-json:1`, drop-in: every input any version of the
official template produces (docs/camunda-compat.md 3.2), Camunda's request building (3.5),
result shape (3.7) and error mapping (3.8). docs/http-connectors.md lists our choices."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any, Literal

from connectorhub_sdk import (
    JSON,
    ConnectorContext,
    ConnectorInputError,
    Documents,
    connector,
    ui,
)
from connectorhub_sdk.documents import is_document_reference
from connectorhub_sdk.javatext import double_to_string
from connectorhub_sdk.types import (
    FeelObject,
    FeelText,
    FeelTextMap,
    Flag,
    OptionalInt,
    Text,
    feel_text,
)
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .auth import Authentication, AuthenticationConfiguration, apply_auth, form_encode
from .client import HttpCall, HttpReply, execute
from .deadline import ends_by_deadline
from .response import ReturnFormat, http_error, http_result
from .tls import TlsMaterial

DEFAULT_TIMEOUT = 20
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _method(value: Any) -> Any:
    """Camunda reads the method case-insensitively (old templates write `get`)."""
    value = feel_text(value)
    return value.strip().upper() if isinstance(value, str) else value


Method = Annotated[Literal["POST", "GET", "DELETE", "PATCH", "PUT"], BeforeValidator(_method)]


class ClientTls(BaseModel):
    """Client certificate (mTLS) and trusted server certificate, PEM texts (templates v15+)."""

    model_config = ConfigDict(extra="ignore")
    # PEM texts span lines: multi-line fields in the form
    clientCertificate: Text | None = Field(
        default=None, title="Client certificate (PEM)", json_schema_extra=ui(type="Text")
    )
    clientPrivateKey: Text | None = Field(
        default=None,
        title="Client private key (PEM)",
        json_schema_extra=ui(type="Text", secret=True),
    )
    privateKeyPassword: Text | None = Field(default=None, json_schema_extra=ui(secret=True))
    trustedCertificate: Text | None = Field(
        default=None, title="Trusted server certificate (PEM)", json_schema_extra=ui(type="Text")
    )

    def material(self) -> TlsMaterial:
        return TlsMaterial(
            client_certificate=self.clientCertificate or None,
            client_private_key=self.clientPrivateKey or None,
            private_key_password=self.privateKeyPassword or None,
            trusted_certificate=self.trustedCertificate or None,
        )


class DocumentReturnFormat(BaseModel):
    """How the response body is returned (templates v17+)."""

    model_config = ConfigDict(extra="ignore")
    choice: Annotated[ReturnFormat, BeforeValidator(_method)] = Field(
        default="JSON", title="Response format"
    )
    encoding: Text | None = Field(default="UTF-8", title="Response text encoding")


class RestInput(BaseModel):
    """The union of the inputs of every version of Camunda's REST connector template."""

    model_config = ConfigDict(extra="ignore")
    method: Method = "GET"
    # required unless the chosen credential carries the URL (rest-authentication v2)
    url: FeelText | None = Field(default=None, title="URL", description="http:// or https:// URL")
    # a dropdown of the variants, each with its own fields (the template generator's sealed types)
    authentication: Authentication | None = Field(default=None, title="Authentication")
    authenticationConfiguration: Any = Field(
        default=None,
        description="A reusable authentication (`{authentication: {...}}`); wins over "
        "`authentication` when set",
    )
    clientTls: ClientTls | None = None
    headers: FeelTextMap = None
    queryParameters: FeelTextMap = None
    body: FeelObject = None
    connectionTimeoutInSeconds: OptionalInt = Field(default=None, ge=0)
    readTimeoutInSeconds: OptionalInt = Field(default=None, ge=0)
    skipEncoding: Text | None = None
    storeResponse: Flag = False
    ignoreNullValues: Flag = False
    followRedirects: Flag = False
    documentReturnFormat: DocumentReturnFormat | None = None


@connector(
    type="io.camunda:http-json:1",
    name="REST Outbound Connector",
    input=RestInput,
    description="Invoke a REST API; runs Camunda's official REST connector templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/protocol/rest/",
)
@ends_by_deadline  # every request goes through execute()
def rest(data: RestInput, context: ConnectorContext) -> JSON:
    """Send one HTTP request and return Camunda's result shape."""
    headers: list[tuple[str, str]] = []
    query: list[tuple[str, str]] = []
    apply_auth(
        effective_auth(data.authentication, data.authenticationConfiguration),
        headers,
        query,
        context,
    )
    content, body_headers = request_body(
        data.method,
        data.body,
        data.headers or {},
        ignore_nulls=data.ignoreNullValues,
        documents=context.documents,
    )
    headers += body_headers
    headers += user_headers(data.headers or {}, replace_boundary=_has_own_boundary(body_headers))
    query += [(k, v) for k, v in (data.queryParameters or {}).items() if v is not None]
    connect, read = timeouts(data.connectionTimeoutInSeconds, data.readTimeoutInSeconds)
    reply = execute(
        HttpCall(
            method=data.method,
            url=effective_url(data.url, data.authenticationConfiguration, "url"),
            headers=headers,
            query=query,
            content=content,
            connect_timeout=connect,
            read_timeout=read,
            follow_redirects=data.followRedirects,
            tls=data.clientTls.material() if data.clientTls else None,
        ),
        context,
    )
    return reply_result(
        reply,
        data.documentReturnFormat,
        store_response=data.storeResponse,
        documents=context.documents,
    )


def reply_result(
    reply: HttpReply,
    return_format: DocumentReturnFormat | None,
    *,
    store_response: bool,
    documents: Documents | None = None,
) -> dict[str, JSON]:
    """REST's and GraphQL's result: an HTTP error status raises as Camunda maps it, otherwise
    the response in the template's return format."""
    if reply.status >= 400:
        raise http_error(reply)
    return http_result(
        reply,
        return_format=return_format.choice if return_format else None,
        encoding=return_format.encoding if return_format else None,
        store_response=store_response,
        documents=documents,
    )


def bound_credential(configuration: Any) -> dict[str, Any] | None:
    """The object of the chosen `authenticationConfiguration` (a named credential), or None."""
    if configuration in (None, "", {}):
        return None
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            configuration = None
    if not isinstance(configuration, dict):
        raise ConnectorInputError(
            "must be an object with an `authentication` entry",
            field="authenticationConfiguration",
        )
    return configuration


def effective_auth(authentication: Any, configuration: Any) -> Any:
    """`authenticationConfiguration.authentication` wins over the inline one when it is set
    (camunda/connectors HttpJsonRequest#getAuthentication)."""
    chosen = bound_credential(configuration)
    if chosen is None:
        return authentication
    try:
        parsed = AuthenticationConfiguration.model_validate(chosen)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConnectorInputError(
            f"{where}: {first['msg']}", field="authenticationConfiguration"
        ) from None
    return parsed.authentication if parsed.authentication is not None else authentication


def effective_url(inline: str | None, configuration: Any, field: str) -> str:
    """The element's URL when it is set, else the credential's own `url` (rest-authentication
    v2). The inline value wins, as in camunda/connectors HttpJsonRequest#getUrl and
    GraphQLRequest#getEffectiveUrl: it is the task's override of the credential's endpoint."""
    if isinstance(inline, str) and inline.strip():
        return inline
    chosen = bound_credential(configuration)
    carried = chosen.get("url") if chosen else None
    if isinstance(carried, str) and carried.strip():
        return carried
    if chosen is None:
        raise ConnectorInputError("must not be blank", field=field)
    raise ConnectorInputError(
        "No URL provided by the credential or the element template", field=field
    )


def timeouts(connection: int | None, read: int | None) -> tuple[float | None, float | None]:
    """Camunda: connection defaults to 20 s, read to the connection timeout when that is set,
    else 20 s; 0 means no limit."""
    connect = DEFAULT_TIMEOUT if connection is None else connection
    read_seconds = read if read is not None else connect
    return float(connect) or None, float(read_seconds) or None


# --------------------------------------------------------------------------------------------
# Body and headers (Camunda's ApacheRequestBodyBuilder and ApacheRequestHeadersBuilder)
# --------------------------------------------------------------------------------------------


def _header(headers: dict[str, str | None], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower() and v), None)


def request_body(
    method: str,
    body: Any,
    headers: dict[str, str | None],
    *,
    ignore_nulls: bool,
    documents: Documents | None = None,
) -> tuple[bytes | None, list[tuple[str, str]]]:
    """The bytes to send and the headers the body brings (Content-Type); only POST, PUT and
    PATCH carry a body (a DELETE body is dropped, as Camunda does). Document references in
    the body are loaded from DOCUMENTS: a multipart part carries the document's bytes, file
    name and content type; in a JSON body the reference becomes its bytes in base64."""
    documents = documents or Documents(None)
    if method not in BODY_METHODS:
        return None, []
    if body is None:
        return b"", []  # an empty entity, still sent
    content_type = _header(headers, "Content-Type")
    added: list[tuple[str, str]] = [] if content_type else [("Content-Type", "application/json")]
    mime = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if isinstance(body, dict) and mime == "multipart/form-data":
        boundary = _boundary(content_type or "") or secrets.token_hex(16)
        own = (
            []
            if _boundary(content_type or "")
            else [("Content-Type", f"multipart/form-data; boundary={boundary}")]
        )
        return multipart(body, boundary, documents), own
    if isinstance(body, dict) and mime == "application/x-www-form-urlencoded":
        fields = [(str(k), None if v is None else _form_text(v)) for k, v in body.items()]
        return form_encode(fields).encode("ascii"), added
    if isinstance(body, str):
        _check_json_text(body, mime, explicit=content_type is not None)
        return body.encode("utf-8"), added
    value = _without_nulls(body) if ignore_nulls else body
    value = _inline_documents(value, documents, "body")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), added


def _check_json_text(body: str, mime: str, *, explicit: bool) -> None:
    """Refuse text that is meant as JSON but is not: sent as is, the server would only answer
    400. Text that does not look like JSON goes out unchanged without a JSON Content-Type
    header, as Camunda sends it (docs/http-connectors.md)."""
    if not (mime == "application/json" or mime.endswith("+json")):
        return
    stripped = body.strip()
    if not explicit and not stripped.startswith(("{", "[")):
        return
    try:
        json.loads(stripped)
    except ValueError as exc:
        raise ConnectorInputError(
            f"the request body is not valid JSON ({exc}), but it is sent as {mime}. Fix the "
            "JSON, or set a Content-Type header such as text/plain to send text",
            field="body",
        ) from None


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _form_text(value: Any) -> str:
    """Java's String.valueOf of a JSON value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float):
        return double_to_string(value)
    return str(value)


def _boundary(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"')
    return None


def _has_own_boundary(body_headers: list[tuple[str, str]]) -> bool:
    return any(v.startswith("multipart/form-data; boundary=") for _, v in body_headers)


def _inline_documents(value: Any, documents: Documents, where: str) -> Any:
    """VALUE with every document reference replaced by its bytes in base64, as Jackson writes
    the byte[] Camunda's DocumentHelper.parseDocumentsInBody puts there."""
    if is_document_reference(value):
        return documents.load(value, field=where).as_base64()
    if isinstance(value, dict):
        return {k: _inline_documents(v, documents, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_inline_documents(v, documents, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def multipart(body: dict[str, Any], boundary: str, documents: Documents | None = None) -> bytes:
    """One text part per non-null entry, list items repeated under the same name; a document
    reference becomes a binary part with its file name and content type (Camunda's
    DocumentAwareMultipartEntityBuilder)."""
    lines: list[bytes] = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            quoted = str(name).replace('"', "%22")
            if is_document_reference(item):
                lines += _document_part(boundary, quoted, item, documents or Documents(None), name)
                continue
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{quoted}"'.encode(),
                b"Content-Type: text/plain; charset=UTF-8",
                b"",
                _form_text(item).encode("utf-8"),
            ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)


def _document_part(
    boundary: str, quoted: str, reference: Any, documents: Documents, name: Any
) -> list[bytes]:
    document = documents.load(reference, field=f"body.{name}")
    disposition = f'Content-Disposition: form-data; name="{quoted}"'
    if document.file_name:
        disposition += f'; filename="{_header_safe(document.file_name)}"'
    return [
        f"--{boundary}".encode(),
        disposition.encode("utf-8"),
        f"Content-Type: {_header_safe(document.content_type)}".encode(),
        b"",
        document.content,
    ]


def _header_safe(text: str) -> str:
    """TEXT fit for a part header: a metadata value cannot end the line or the quotes."""
    return text.replace('"', "%22").replace("\r", " ").replace("\n", " ")


def user_headers(
    headers: dict[str, str | None], *, replace_boundary: bool
) -> list[tuple[str, str]]:
    """The user's headers, added after the auth and body headers; a null value leaves the
    header out; a multipart Content-Type without boundary gives way to the body's own."""
    result = []
    for name, value in headers.items():
        if value is None:
            continue
        if replace_boundary and name.lower() == "content-type":
            continue
        result.append((name, value))
    return result


__all__ = ["RestInput", "effective_auth", "request_body", "rest", "timeouts", "user_headers"]
