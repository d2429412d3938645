"""WS-Security headers of the SOAP connector, written as Camunda's (Spring-WS with WSS4J) writes
them (docs/http-connectors.md, "SOAP: WS-Security").

- UsernameToken: PasswordText, or PasswordDigest (SHA-1 of nonce + created + password).
- X.509 signature: the certificate travels as a BinarySecurityToken the signature's KeyInfo
  points at (WSS4J's "DirectReference"); the signature covers the SOAP Body, or the parts the
  template lists, with exclusive canonicalisation; an optional wsu:Timestamp is added (and
  signed only when listed as a part, as WSS4J does). Without an algorithm in the template the
  defaults are WSS4J's: rsa-sha1 / ecdsa-sha256 by key type, SHA-1 digests. DSA keys, which
  WSS4J also takes, are refused: signxml encodes DSA signature values at the wrong length.

The signing itself is signxml's (on lxml and cryptography); this module only lays out the
Security header around it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from connectorhub_sdk import ConnectorInputError
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key, pkcs12
from django.conf import settings
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
)
from signxml.exceptions import InvalidInput

from .pem import normalize_pem

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
# namespace URIs, no passwords
TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105
X509_V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
JKS_MAGIC = b"\xfe\xed\xfe\xed"
CERT_FIELD = "authentication.certificate"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _now() -> str:
    """WSS4J's time format: UTC with milliseconds."""
    return _format(datetime.datetime.now(datetime.UTC))


def _format(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def must_understand(version_ns: str) -> str:
    """The mustUnderstand value WSS4J puts on the Security header: "1" in SOAP 1.1, "true"
    in SOAP 1.2."""
    return "1" if version_ns == SOAP11 else "true"


# --------------------------------------------------------------------------------------------
# UsernameToken
# --------------------------------------------------------------------------------------------


def username_token(
    username: str, password: str, *, digest: bool, envelope_prefix: str, version_ns: str
) -> str:
    """A wsse:Security header with a UsernameToken (OASIS Username Token Profile 1.0)."""
    attribute = f'{envelope_prefix}:mustUnderstand="{must_understand(version_ns)}"'
    parts = [f"<wsse:Username>{escape(username)}</wsse:Username>"]
    if digest:
        nonce = os.urandom(16)
        created = _now()
        value = hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False)
        parts += [
            f'<wsse:Password Type="{TOKEN_PROFILE}#PasswordDigest">'
            f"{base64.b64encode(value.digest()).decode()}</wsse:Password>",
            f'<wsse:Nonce EncodingType="{BASE64_BINARY}">{base64.b64encode(nonce).decode()}'
            "</wsse:Nonce>",
            f"<wsu:Created>{created}</wsu:Created>",
        ]
    else:
        parts.append(
            f'<wsse:Password Type="{TOKEN_PROFILE}#PasswordText">{escape(password)}</wsse:Password>'
        )
    return (
        f'<wsse:Security {attribute}><wsse:UsernameToken wsu:Id="UsernameToken-{uuid.uuid4()}">'
        + "".join(parts)
        + "</wsse:UsernameToken></wsse:Security>"
    )


# --------------------------------------------------------------------------------------------
# X.509 signature: the key
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """A private key and the certificate that goes with it."""

    key: PrivateKey
    certificate: x509.Certificate


def key_from_pem(certificate: str, private_key: str) -> SigningKey:
    """A certificate and an unencrypted private key as PEM texts (PKCS#1, PKCS#8 or SEC1),
    what Camunda's 'single certificate' takes; line breaks lost on the way are restored."""
    try:
        cert = x509.load_pem_x509_certificate(normalize_pem(certificate).encode())
    except ValueError:
        raise ConnectorInputError(
            "is not a PEM X.509 certificate (-----BEGIN CERTIFICATE----- ...)",
            field=f"{CERT_FIELD}.certificate",
        ) from None
    try:
        key = load_pem_private_key(normalize_pem(private_key).encode(), password=None)
    except (ValueError, TypeError):
        # the text is never echoed: it is a private key
        raise ConnectorInputError(
            "is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or "
            "-----BEGIN RSA/EC PRIVATE KEY-----)",
            field=f"{CERT_FIELD}.privateKey",
        ) from None
    return _pair(key, cert, f"{CERT_FIELD}.privateKey")


def key_from_keystore(location: str, store_password: str, alias: str) -> SigningKey:
    """The key entry ALIAS of a PKCS#12 keystore under CONNECTORHUB_KEYSTORE_DIR."""
    data = _keystore_bytes(location)
    try:
        store = pkcs12.load_pkcs12(data, store_password.encode() or None)
    except ValueError:
        raise ConnectorInputError(
            "cannot open the keystore: the password is wrong or the file is not PKCS#12 "
            "(entries must use the keystore password)",
            field=f"{CERT_FIELD}.keystorePassword",
        ) from None
    if store.key is None or store.cert is None:
        raise ConnectorInputError(
            f"the keystore {location!r} holds no private key with its certificate",
            field=f"{CERT_FIELD}.keystoreLocation",
        )
    _check_alias(store.cert.friendly_name, alias)
    return _pair(store.key, store.cert.certificate, f"{CERT_FIELD}.keystoreLocation")


def _keystore_bytes(location: str) -> bytes:
    where = f"{CERT_FIELD}.keystoreLocation"
    try:
        data = keystore_path(location).read_bytes()
    except OSError as exc:
        raise ConnectorInputError(
            f"cannot read the keystore {location!r}: {exc.strerror or exc}", field=where
        ) from None
    if data.startswith(JKS_MAGIC):
        raise ConnectorInputError(
            "is a Java KeyStore (JKS); convert it to PKCS#12 with `keytool -importkeystore "
            "-srckeystore in.jks -destkeystore out.p12 -deststoretype PKCS12`",
            field=where,
        )
    return data


def _check_alias(name: bytes | None, alias: str) -> None:
    """Java's PKCS#12 store matches aliases case-insensitively, and so does this; a store
    whose one key has no alias (openssl without -name) is taken whatever the alias."""
    if name is None or name.decode(errors="replace").lower() == alias.strip().lower():
        return
    raise ConnectorInputError(
        f"the keystore has no key entry {alias!r} (its key entry is "
        f"{name.decode(errors='replace')!r})",
        field=f"{CERT_FIELD}.alias",
    )


def keystore_path(location: str) -> Path:
    """LOCATION (a file name, a path, or Spring's `file:` URL) as a file inside the keystore
    directory: dry-runs run on behalf of any signed-in user, who must not read the host's
    files through a keystore field."""
    where = f"{CERT_FIELD}.keystoreLocation"
    folder_setting = getattr(settings, "CONNECTORHUB_KEYSTORE_DIR", "")
    if not folder_setting:
        raise ConnectorInputError(
            "keystores are turned off here (CONNECTORHUB_KEYSTORE_DIR is empty); use a single "
            "certificate and private key instead",
            field=where,
        )
    text = location.strip()
    if text.startswith("classpath:") or "://" in text.removeprefix("file://"):
        raise ConnectorInputError(
            f"{text!r} is not a file: put the keystore in the keystore directory "
            "(CONNECTORHUB_KEYSTORE_DIR) and give its file name",
            field=where,
        )
    text = text.removeprefix("file://").removeprefix("file:")
    folder = Path(folder_setting).resolve()
    path = (folder / text).resolve()
    if not path.is_relative_to(folder):
        raise ConnectorInputError(
            f"{location!r} is outside the keystore directory (CONNECTORHUB_KEYSTORE_DIR); give "
            "the name of a file in it",
            field=where,
        )
    return path


def _pair(key: Any, cert: x509.Certificate, where: str) -> SigningKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        kind = type(key).__name__.removesuffix("PrivateKey")
        raise ConnectorInputError(
            f"{kind} keys cannot sign WS-Security messages; use an RSA or EC key",
            field=where,
        )
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise ConnectorInputError("the private key does not belong to the certificate", field=where)
    return SigningKey(key, cert)


# --------------------------------------------------------------------------------------------
# X.509 signature: the header
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureOptions:
    """What the template sets besides the key; empty algorithms mean WSS4J's defaults."""

    signature_algorithm: str | None = None
    digest_algorithm: str | None = None
    timestamp_seconds: int | None = None
    parts: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (namespace, localName)


class _Signer(XMLSigner):
    """signxml refuses SHA-1 unless told otherwise. WSS4J, and so Camunda's connector, signs
    with rsa-sha1 and SHA-1 digests by default, and services configured for Camunda's requests
    may insist on them, so they stay available; the docs recommend SHA-256."""

    def check_deprecated_methods(self) -> None:
        return None


def sign_envelope(
    envelope: bytes, version_ns: str, signing: SigningKey, options: SignatureOptions
) -> bytes:
    """ENVELOPE with a wsse:Security header holding the certificate, a signature over the Body
    (or OPTIONS.parts) and, with a timestamp time-to-live, a wsu:Timestamp."""
    root = etree.fromstring(envelope, etree.XMLParser(resolve_entities=False, no_network=True))
    security = _security_header(root, version_ns)
    token_id = f"X509-{uuid.uuid4()}"
    token = etree.SubElement(
        security,
        f"{{{WSSE}}}BinarySecurityToken",
        {"EncodingType": BASE64_BINARY, "ValueType": X509_V3, f"{{{WSU}}}Id": token_id},
    )
    token.text = base64.b64encode(signing.certificate.public_bytes(Encoding.DER)).decode()
    if options.timestamp_seconds is not None:
        _timestamp(security, options.timestamp_seconds)
    references = [f"#{_wsu_id(target)}" for target in _targets(root, version_ns, options.parts)]
    signer = _Signer(
        method=SignatureConstructionMethod.detached,
        signature_algorithm=_signature_method(options.signature_algorithm, signing.key),
        digest_algorithm=_digest_method(options.digest_algorithm),
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    try:
        signature = signer.sign(
            root, key=signing.key, reference_uri=references, key_info=_key_info(token_id)
        )
    except InvalidInput as exc:
        raise ConnectorInputError(
            f"cannot sign the message: {exc}", field="authentication"
        ) from None
    signature.set("Id", f"SIG-{uuid.uuid4()}")
    token.addnext(signature)  # WSS4J's layout: token, signature, timestamp
    return etree.tostring(root, encoding="utf-8")


def _security_header(root: Any, version_ns: str) -> Any:
    header = root.find(f"{{{version_ns}}}Header")
    if header is None:
        header = etree.Element(f"{{{version_ns}}}Header")
        root.insert(0, header)
    security = etree.Element(f"{{{WSSE}}}Security")
    security.set(f"{{{version_ns}}}mustUnderstand", must_understand(version_ns))
    header.insert(0, security)
    return security


def _timestamp(security: Any, seconds: int) -> None:
    now = datetime.datetime.now(datetime.UTC)
    stamp = etree.SubElement(
        security, f"{{{WSU}}}Timestamp", {f"{{{WSU}}}Id": f"TS-{uuid.uuid4()}"}
    )
    etree.SubElement(stamp, f"{{{WSU}}}Created").text = _format(now)
    expires = now + datetime.timedelta(seconds=seconds)
    etree.SubElement(stamp, f"{{{WSU}}}Expires").text = _format(expires)


def _targets(root: Any, version_ns: str, parts: Sequence[tuple[str, str]]) -> list[Any]:
    """The elements to sign: the Body by default, else every element matching a part."""
    if not parts:
        return [root.find(f"{{{version_ns}}}Body")]
    targets: list[Any] = []
    for namespace, local_name in parts:
        found = root.iter(f"{{{namespace}}}{local_name}" if namespace else local_name)
        matches = [element for element in found if element not in targets]
        if not matches:
            raise ConnectorInputError(
                f"the part {{{namespace}}}{local_name} to sign is not in the SOAP message",
                field="authentication.encryptionParts",
            )
        targets += matches
    return targets


def _wsu_id(element: Any) -> str:
    """The element's wsu:Id, given one if it has none (as WSS4J does)."""
    attribute = f"{{{WSU}}}Id"
    if element.get(attribute) is None:
        element.set(attribute, f"id-{uuid.uuid4()}")
    return str(element.get(attribute))


def _key_info(token_id: str) -> Any:
    key_info = etree.Element(f"{{{DS}}}KeyInfo", {"Id": f"KI-{uuid.uuid4()}"}, nsmap={"ds": DS})
    reference = etree.SubElement(
        key_info,
        f"{{{WSSE}}}SecurityTokenReference",
        {f"{{{WSU}}}Id": f"STR-{uuid.uuid4()}"},
        nsmap={"wsse": WSSE, "wsu": WSU},
    )
    etree.SubElement(
        reference, f"{{{WSSE}}}Reference", {"URI": f"#{token_id}", "ValueType": X509_V3}
    )
    return key_info


def _signature_method(text: str | None, key: PrivateKey) -> SignatureMethod:
    where = "authentication.signatureAlgorithm"
    if not text or not text.strip():
        if isinstance(key, rsa.RSAPrivateKey):
            return SignatureMethod.RSA_SHA1
        return SignatureMethod.ECDSA_SHA256
    method = _algorithm(SignatureMethod, text.strip(), where)
    # RSA: PKCS#1 v1.5 (RSA_*) and PSS (SHA*_RSA_MGF1); EC: ECDSA_*
    prefixes = ("RSA_", "SHA") if isinstance(key, rsa.RSAPrivateKey) else ("ECDSA_",)
    if not method.name.startswith(prefixes):
        raise ConnectorInputError(
            f"{method.value} does not fit the key (an {_key_kind(key)} key)", field=where
        )
    return method


def _digest_method(text: str | None) -> DigestAlgorithm:
    if not text or not text.strip():
        return DigestAlgorithm.SHA1
    return _algorithm(DigestAlgorithm, text.strip(), "authentication.digestAlgorithm")


def _algorithm(kind: Any, text: str, where: str) -> Any:
    """An algorithm by its URI (as the template asks: the fully qualified name) or fragment."""
    try:
        return kind(text) if "#" in text else kind.from_fragment(text)
    except (ValueError, KeyError, InvalidInput):
        known = ", ".join(
            member.value for member in kind if not member.name.startswith(("HMAC", "DSA"))
        )
        raise ConnectorInputError(
            f"unknown algorithm {text!r}; known: {known}", field=where
        ) from None


def _key_kind(key: PrivateKey) -> str:
    return "RSA" if isinstance(key, rsa.RSAPrivateKey) else "EC"
