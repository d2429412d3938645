"""Both sides of WS-Security X.509 signatures for the SOAP tests: `make_identity` makes a
self-signed signer; `signature_problem` is the receiving side of the local SOAP service.

The cryptographic check is xmlsec1's (libxmlsec1, Debian package `xmlsec1`): an implementation
independent of the signxml library the connector signs with. Around it, the checks a careful
service makes: the signing certificate is the trusted one and is the token the KeyInfo points
at, the Body (and any other required part) is among the signed references, and a Timestamp,
when present, is current.
"""

from __future__ import annotations

import base64
import datetime
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
WSU_ID = f"{{{WSU}}}Id"


@dataclass(frozen=True)
class Identity:
    certificate: str  # PEM
    private_key: str  # PEM, unencrypted PKCS#8
    key: Any


def make_identity(key: Any, name: str = "hub-signer") -> Identity:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Identity(
        certificate.public_bytes(serialization.Encoding.PEM).decode(), private.decode(), key
    )


def signature_problem(
    message: bytes, trusted_pem: bytes, required: Sequence[str] = ("Body",)
) -> str | None:
    """Why MESSAGE does not carry a valid signature by TRUSTED_PEM over the elements named
    REQUIRED (local names), or None when it does."""
    root = etree.fromstring(message, etree.XMLParser(resolve_entities=False, no_network=True))
    security = root.find(f".//{{{WSSE}}}Security")
    if security is None:
        return "no wsse:Security header"
    signature = security.find(f"{{{DS}}}Signature")
    token = security.find(f"{{{WSSE}}}BinarySecurityToken")
    if signature is None or token is None:
        return "no ds:Signature with a wsse:BinarySecurityToken"
    pointer = signature.find(
        f"{{{DS}}}KeyInfo/{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference"
    )
    if pointer is None or pointer.get("URI") != f"#{token.get(WSU_ID)}":
        return "the KeyInfo does not point at the BinarySecurityToken"
    certificate = x509.load_der_x509_certificate(base64.b64decode(token.text or ""))
    trusted = x509.load_pem_x509_certificate(trusted_pem)
    if certificate != trusted:
        return "the signing certificate is not the trusted one"
    signed = _signed_names(root, signature)
    missing = [name for name in required if name not in signed]
    if missing:
        return f"not signed: {', '.join(missing)}"
    stale = _timestamp_problem(security)
    if stale:
        return stale
    return _xmlsec_problem(message, certificate, signed)


def _signed_names(root: etree._Element, signature: etree._Element) -> set[str]:
    names = set()
    for reference in signature.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference"):
        target = (reference.get("URI") or "").removeprefix("#")
        for element in root.iter():
            if element.get(WSU_ID) == target:
                names.add(etree.QName(element).localname)
    return names


def _timestamp_problem(security: etree._Element) -> str | None:
    stamp = security.find(f"{{{WSU}}}Timestamp")
    if stamp is None:
        return None
    created = datetime.datetime.fromisoformat(stamp.findtext(f"{{{WSU}}}Created") or "")
    expires = datetime.datetime.fromisoformat(stamp.findtext(f"{{{WSU}}}Expires") or "")
    now = datetime.datetime.now(datetime.UTC)
    if not created - datetime.timedelta(seconds=5) <= now <= expires:
        return f"the timestamp ({created} to {expires}) is not current"
    return None


def _xmlsec_problem(message: bytes, certificate: x509.Certificate, names: set[str]) -> str | None:
    with tempfile.TemporaryDirectory(prefix="wss-check-") as folder:
        document = Path(folder) / "message.xml"
        cert = Path(folder) / "cert.pem"
        document.write_bytes(message)
        cert.write_bytes(certificate.public_bytes(Encoding.PEM))
        command = ["xmlsec1", "--verify", "--pubkey-cert-pem", str(cert)]
        for name in sorted(names):
            command += ["--id-attr:Id", name]
        done = subprocess.run(
            [*command, str(document)], capture_output=True, text=True, timeout=30, check=False
        )
    if done.returncode != 0:
        return f"xmlsec1 rejects the signature: {done.stderr.strip().splitlines()[-1:]}"
    return None
