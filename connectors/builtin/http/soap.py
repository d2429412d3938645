"""Camunda's SOAP connector, `io.camunda:soap:1`, drop-in (docs/camunda-compat.md 4.3, 4.4).

The body (and optional header) comes from a Mustache template filled from a context, or from
JSON turned into XML; the Envelope declares `wsse`, `wsu` and the template's namespaces; SOAP
1.1 sends `SOAPAction`, 1.2 the `action` parameter. The result is the whole response Envelope
as JSON without namespace prefixes; a SOAP Fault raises `SOAP_FAULT_RECEIVED`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from connectorhub_sdk import (
    JSON,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    connector,
    ui,
)
from connectorhub_sdk.types import (
    FeelMap,
    FeelText,
    FeelTextMap,
    OptionalInt,
    Text,
    feel_object,
    java_text,
)
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from . import wssecurity
from .client import HttpCall, execute
from .deadline import ends_by_deadline
from .mustache import TemplateError, render
from .response import MAX_DEPTH, nesting_error

ENVELOPE_NS = {
    "1.1": wssecurity.SOAP11,
    "1.2": "http://www.w3.org/2003/05/soap-envelope",
}
ENVELOPE_PREFIX = {"1.1": "SOAP-ENV", "1.2": "env"}  # Spring-WS/SAAJ's prefixes


class SoapNoAuth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    authentication: Literal["none"]


class UsernameToken(BaseModel):
    """WS-Security UsernameToken: PasswordText, or PasswordDigest when `encoded` is Yes."""

    model_config = ConfigDict(extra="ignore")
    authentication: Literal["usernameToken"]
    username: Text = Field(min_length=1)
    password: Text = Field(default="", json_schema_extra=ui(secret=True))
    encoded: Annotated[Literal["Yes", "No"], BeforeValidator(java_text)] = "No"


class SingleCertificate(BaseModel):
    """A certificate and its private key as PEM texts."""

    model_config = ConfigDict(extra="ignore")
    certificateType: Literal["single"]
    certificate: Text = Field(min_length=1)
    privateKey: Text = Field(min_length=1, json_schema_extra=ui(secret=True))


class KeystoreCertificate(BaseModel):
    """A key entry of a PKCS#12 keystore in CONNECTORHUB_KEYSTORE_DIR. `password` (the key
    entry's own password in a Java keystore) is accepted; PKCS#12 entries use the store's."""

    model_config = ConfigDict(extra="ignore")
    certificateType: Literal["keystore"]
    keystoreLocation: Text = Field(min_length=1)
    keystorePassword: Text = Field(default="", json_schema_extra=ui(secret=True))
    alias: Text = Field(min_length=1)
    password: Text = Field(default="", json_schema_extra=ui(secret=True))


class SignaturePart(BaseModel):
    """An element to sign, by namespace and local name (Camunda's EncryptionPart)."""

    model_config = ConfigDict(extra="ignore")
    namespace: Text = ""
    localName: Text = Field(min_length=1)


class Signature(BaseModel):
    """WS-Security X.509 signature. v1's `useBinarySecurityToken` and
    `canonicalizationAlgorithm` are read and ignored, as Camunda's connector does."""

    model_config = ConfigDict(extra="ignore")
    authentication: Literal["signature"]
    certificate: Annotated[
        SingleCertificate | KeystoreCertificate, Field(discriminator="certificateType")
    ]
    signatureAlgorithm: Text | None = None
    digestAlgorithm: Text | None = None
    timestamp: OptionalInt = Field(default=None, ge=0)
    encryptionParts: Annotated[list[SignaturePart] | None, BeforeValidator(feel_object)] = None


SoapAuthentication = Annotated[
    SoapNoAuth | UsernameToken | Signature, Field(discriminator="authentication")
]


class SoapVersion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: Annotated[Literal["1.1", "1.2"], BeforeValidator(java_text)] = "1.1"
    soapAction: Text | None = None


class SoapHeader(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["none", "template", "json"] = "none"
    template: Text | None = None
    context: FeelMap = None
    json_: FeelMap = Field(default=None, alias="json")


class SoapBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["template", "json"] = "json"
    template: Text | None = None
    context: FeelMap = None
    json_: FeelMap = Field(default=None, alias="json")


class SoapInput(BaseModel):
    """The inputs of Camunda's SOAP connector templates (v1 and v2)."""

    model_config = ConfigDict(extra="ignore")
    serviceUrl: FeelText = Field(min_length=1)
    authentication: SoapAuthentication | None = None
    soapVersion: SoapVersion = Field(default_factory=SoapVersion)
    header: SoapHeader | None = None
    body: SoapBody
    namespaces: FeelTextMap = None
    connectionTimeoutInSeconds: OptionalInt = Field(default=20, ge=0)


@connector(
    type="io.camunda:soap:1",
    name="SOAP Connector",
    input=SoapInput,
    description="Call a SOAP service; runs Camunda's official SOAP templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/protocol/soap/",
)
@ends_by_deadline  # every request goes through execute()
def soap(data: SoapInput, context: ConnectorContext) -> JSON:
    """Send one SOAP request and return the response Envelope as JSON."""
    version = data.soapVersion.version
    envelope = build_envelope(data).encode("utf-8")
    if isinstance(data.authentication, Signature):
        envelope = sign(envelope, data.authentication, ENVELOPE_NS[version])
    action = data.soapVersion.soapAction or ""
    if version == "1.1":
        headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{action}"')]
    else:
        content_type = "application/soap+xml; charset=utf-8"
        headers = [("Content-Type", content_type + (f'; action="{action}"' if action else ""))]
    timeout = float(data.connectionTimeoutInSeconds or 0) or None
    reply = execute(
        HttpCall(
            method="POST",
            url=data.serviceUrl,
            headers=headers,
            content=envelope,
            connect_timeout=timeout,
            read_timeout=timeout,
            url_field="serviceUrl",
        ),
        context,
    )
    try:
        result = xml_to_json(reply.content)
    except ValueError as exc:
        raise ConnectorError(
            None,
            f"The SOAP service answered HTTP {reply.status} {reply.reason} with a body that is "
            f"not a SOAP message ({exc})",
        ) from None
    body = _child(_child(result, "Envelope"), "Body")
    if isinstance(body, dict) and "Fault" in body:
        raise ConnectorError("SOAP_FAULT_RECEIVED", "SOAP Fault received", {"response": result})
    if reply.status >= 400:
        raise ConnectorError(
            None, f"The SOAP service answered HTTP {reply.status} {reply.reason} without a Fault"
        )
    return result


def _child(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


# --------------------------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------------------------


def build_envelope(data: SoapInput) -> str:
    version = data.soapVersion.version
    prefix = ENVELOPE_PREFIX[version]
    namespaces = {
        "wsse": wssecurity.WSSE,
        "wsu": wssecurity.WSU,
        **{k: v or "" for k, v in (data.namespaces or {}).items()},
    }
    declarations = "".join(f" xmlns:{name}={quoteattr(uri)}" for name, uri in namespaces.items())
    header = _part(data.header, "header") if data.header and data.header.type != "none" else ""
    if isinstance(data.authentication, UsernameToken):
        auth = data.authentication
        header += wssecurity.username_token(
            auth.username,
            auth.password,
            digest=auth.encoded == "Yes",
            envelope_prefix=prefix,
            version_ns=ENVELOPE_NS[version],
        )
    body = _part(data.body, "body")
    envelope = (
        f'<{prefix}:Envelope xmlns:{prefix}="{ENVELOPE_NS[version]}"{declarations}>'
        + (f"<{prefix}:Header>{header}</{prefix}:Header>" if header else "")
        + f"<{prefix}:Body>{body}</{prefix}:Body></{prefix}:Envelope>"
    )
    problem = _xml_problem(envelope)
    if problem:
        raise ConnectorInputError(
            f"the SOAP message is not well-formed XML ({problem}); check the body and header "
            "templates or JSON, and that every prefix they use is declared in namespaces",
            field="body",
        )
    return envelope


def _xml_problem(text: str) -> str | None:
    """Why TEXT is not well-formed, namespace-aware XML (no DOCTYPE), or None."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def doctype(*args: Any) -> None:
        raise ValueError("a DOCTYPE declaration is not accepted")

    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(text.encode("utf-8"), True)
    except (expat.ExpatError, ValueError) as exc:
        return str(exc)
    return None


def _part(part: SoapHeader | SoapBody, field_name: str) -> str:
    if part.type == "template":
        try:
            return render(part.template or "", part.context or {})
        except TemplateError as exc:
            raise ConnectorInputError(str(exc), field=f"{field_name}.template") from None
    if part.json_ is None:
        if field_name == "body":
            raise ConnectorInputError("the SOAP body is empty", field="body.json")
        return ""
    return json_to_xml(part.json_)


def json_to_xml(value: dict[str, Any]) -> str:
    """Each key becomes an element; `@name` keys become attributes, `$content` the text, a list
    repeats the element; text is XML-escaped (Camunda does not escape; see the docs)."""
    return "".join(_element(name, item) for name, item in value.items())


def _element(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_element(name, item) for item in value)
    if isinstance(value, dict):
        attributes = "".join(
            f" {key[1:]}={quoteattr(_scalar(item))}"
            for key, item in value.items()
            if key.startswith("@")
        )
        inner = escape(_scalar(value["$content"])) if "$content" in value else ""
        inner += "".join(
            _element(key, item)
            for key, item in value.items()
            if not key.startswith("@") and key != "$content"
        )
        return f"<{name}{attributes}>{inner}</{name}>"
    return f"<{name}>{escape(_scalar(value))}</{name}>"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"  # as Camunda writes it
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(java_text(value))


def sign(envelope: bytes, auth: Signature, version_ns: str) -> bytes:
    """ENVELOPE signed with the template's certificate (see wssecurity.py)."""
    certificate = auth.certificate
    if isinstance(certificate, SingleCertificate):
        key = wssecurity.key_from_pem(certificate.certificate, certificate.privateKey)
    else:
        key = wssecurity.key_from_keystore(
            certificate.keystoreLocation, certificate.keystorePassword, certificate.alias
        )
    options = wssecurity.SignatureOptions(
        signature_algorithm=auth.signatureAlgorithm,
        digest_algorithm=auth.digestAlgorithm,
        timestamp_seconds=auth.timestamp,
        parts=tuple((part.namespace, part.localName) for part in auth.encryptionParts or ()),
    )
    return wssecurity.sign_envelope(envelope, version_ns, key, options)


# --------------------------------------------------------------------------------------------
# The response
# --------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("attributes", "children", "name", "text")

    def __init__(self, name: str, attributes: dict[str, str]) -> None:
        self.name = name
        self.attributes = attributes
        self.children: list[_Node] = []
        self.text: list[str] = []


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def xml_to_json(content: bytes) -> dict[str, JSON]:
    """The document as JSON, namespace prefixes removed: leaves are strings, repeated siblings
    lists, empty elements `{}`, attributes (not xmlns) plain keys, mixed text `$content`.
    A DOCTYPE is refused (no entity expansion from a remote service), and so is a document
    nested more than MAX_DEPTH elements deep (ConnectorError: turning it into JSON, and what
    the hub does with the JSON, would run out of Python's stack)."""
    parser = expat.ParserCreate()
    stack: list[_Node] = [_Node("#document", {})]

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) > MAX_DEPTH:  # the document node and MAX_DEPTH open elements
            raise nesting_error()
        node = _Node(_local(name), attributes)
        stack[-1].children.append(node)
        stack.append(node)

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        stack[-1].text.append(data)

    def doctype(*args: Any) -> None:
        raise ValueError("a DOCTYPE declaration is not accepted")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        raise ValueError(str(exc)) from None
    root = stack[0].children
    if not root:
        raise ValueError("no root element")
    return {root[0].name: _convert(root[0])}


def _convert(node: _Node) -> JSON:
    text = "".join(node.text).strip()
    attributes = {
        _local(key): value
        for key, value in node.attributes.items()
        if key != "xmlns" and not key.startswith("xmlns:")
    }
    if not node.children and not attributes:
        return text if text else {}
    result: dict[str, JSON] = dict(attributes)
    for child in node.children:
        value = _convert(child)
        if child.name in result:
            previous = result[child.name]
            if isinstance(previous, list):  # _convert never returns a list itself
                previous.append(value)
            else:
                result[child.name] = [previous, value]
        else:
            result[child.name] = value
    if text:
        result["$content"] = text
    return result


__all__ = ["SoapInput", "build_envelope", "json_to_xml", "soap", "xml_to_json"]
