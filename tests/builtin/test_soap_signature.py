"""SOAP WS-Security X.509 signatures through the official templates (v1, v2), checked by a
local SOAP service that verifies them with xmlsec1 (tests/services/wssecurity_check.py)."""

from __future__ import annotations

import base64
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.serialization import pkcs12

from connectors.builtin.http import wssecurity
from connectors.builtin.http.pem import normalize_pem
from tests.builtin.conftest import SOAP_FILE, SOAP_ID, result_of, run_template, template
from tests.builtin.test_soap import add_values
from tests.services.http_servers import SOAP11, SOAP12, RecordingServer, soap_endpoint
from tests.services.wssecurity_check import Identity, make_identity, signature_problem

V1 = template(SOAP_FILE, SOAP_ID, 1)
V2 = template(SOAP_FILE, SOAP_ID, 2)
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@pytest.fixture
def service(server: RecordingServer, rsa_signer: Identity) -> RecordingServer:
    """A SOAP service that accepts only messages whose Body rsa_signer signed."""
    soap_endpoint(server, trusted_signer=rsa_signer.certificate.encode())
    return server


def signed_values(server: RecordingServer, signer: Identity, **extra: Any) -> dict[str, Any]:
    """test_soap's Add call (2 + 3), signed by SIGNER's single certificate."""
    return {
        **add_values(server),
        "authentication.authentication": "signature",
        "authentication.certificate.certificateType": "single",
        "authentication.certificate.certificate": signer.certificate,
        "authentication.certificate.privateKey": signer.private_key,
        **extra,
    }


def algorithms(sent: str) -> tuple[str, str]:
    signature = re.search(r'SignatureMethod Algorithm="([^"]+)"', sent)
    digest = re.search(r'DigestMethod Algorithm="([^"]+)"', sent)
    assert signature and digest, sent
    return signature.group(1), digest.group(1)


@pytest.mark.parametrize("tpl", [V1, V2], ids=["v1", "v2"])
def test_a_signed_request_is_accepted_with_camundas_default_algorithms(service, rsa_signer, tpl):
    outcome = run_template(tpl, signed_values(service, rsa_signer))
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"
    sent = service.last("/soap").body.decode()
    # WSS4J's defaults for an RSA key, which Camunda's connector leaves in place
    assert algorithms(sent) == (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    )
    assert '<wsse:Security SOAP-ENV:mustUnderstand="1">' in sent
    token = re.search(r"<wsse:BinarySecurityToken [^>]*>([^<]+)<", sent)
    assert token is not None
    der = x509.load_pem_x509_certificate(rsa_signer.certificate.encode()).public_bytes(
        serialization.Encoding.DER
    )
    assert base64.b64decode(token.group(1)) == der
    assert "<wsu:Timestamp" not in sent
    assert rsa_signer.private_key.splitlines()[1] not in repr(outcome)


def test_sha256_a_timestamp_and_soap_12(service, rsa_signer):
    values = signed_values(
        service,
        rsa_signer,
        **{
            "soapVersion.version": "1.2",
            "authentication.signatureAlgorithm": RSA_SHA256,
            "authentication.digestAlgorithm": SHA256,
            "authentication.timestamp": 300,
        },
    )
    outcome = run_template(V2, values)
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"
    sent = service.last("/soap").body.decode()
    assert algorithms(sent) == (RSA_SHA256, SHA256)
    assert f'xmlns:env="{SOAP12}"' in sent
    assert '<wsse:Security env:mustUnderstand="true">' in sent
    created, expires = re.findall(r"<wsu:(?:Created|Expires)>([^<]+)<", sent)
    lifetime = datetime.datetime.fromisoformat(expires) - datetime.datetime.fromisoformat(created)
    assert lifetime == datetime.timedelta(seconds=300)


def test_listed_parts_are_signed_instead_of_the_body(server, rsa_signer):
    soap_endpoint(
        server, trusted_signer=rsa_signer.certificate.encode(), signed_parts=("Trace", "Timestamp")
    )
    wsu = wssecurity.WSU
    values = signed_values(
        server,
        rsa_signer,
        **{
            "header.type": "template",
            "header.template": "<c:Trace>{{id}}</c:Trace>",
            "header.context": '={"id": "t-1"}',
            "authentication.timestamp": 60,
            "authentication.encryptionParts": (
                f'=[{{"namespace": "urn:calc", "localName": "Trace"}}, '
                f'{{"namespace": "{wsu}", "localName": "Timestamp"}}]'
            ),
        },
    )
    outcome = run_template(V2, values)
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"
    sent = server.last("/soap").body
    assert signature_problem(sent, rsa_signer.certificate.encode(), ["Trace", "Timestamp"]) is None
    # as in WSS4J, listing parts replaces the default: the Body is not signed now
    assert "not signed: Body" in (signature_problem(sent, rsa_signer.certificate.encode()) or "")


def test_an_ec_key_signs_with_ecdsa_sha256(server, ec_signer):
    soap_endpoint(server, trusted_signer=ec_signer.certificate.encode())
    outcome = run_template(V2, signed_values(server, ec_signer))
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"
    sent = server.last("/soap").body.decode()
    assert algorithms(sent)[0] == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"


def test_the_service_refuses_an_untrusted_signer(service, ec_signer):
    """The check is real: a valid signature by another certificate is a Fault."""
    outcome = run_template(V2, signed_values(service, ec_signer))
    assert outcome.kind == "failed"
    assert outcome.code == "SOAP_FAULT_RECEIVED"
    fault = outcome.variables["error"]["variables"]["response"]["Envelope"]["Body"]["Fault"]
    assert fault["faultstring"] == (
        "Security check failed: the signing certificate is not the trusted one"
    )


def test_a_tampered_body_fails_verification(service, rsa_signer):
    run_template(V2, signed_values(service, rsa_signer))
    sent = service.last("/soap").body
    assert signature_problem(sent, rsa_signer.certificate.encode()) is None
    tampered = sent.replace(b"<c:a>2</c:a>", b"<c:a>9</c:a>")
    assert "xmlsec1 rejects" in (signature_problem(tampered, rsa_signer.certificate.encode()) or "")


def test_the_private_key_may_come_from_a_secret(service, rsa_signer):
    values = signed_values(
        service,
        rsa_signer,
        **{"authentication.certificate.privateKey": "{{secrets.SOAP_KEY}}"},
    )
    outcome = run_template(V2, values, secrets={"SOAP_KEY": rsa_signer.private_key})
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda pem: pem.replace("\n", ""),  # pasted into a one-line input
        lambda pem: pem.replace("\n", " "),
        lambda pem: pem.replace("\n", "\\n"),  # kept in an environment variable
        lambda pem: "\r\n  " + pem.replace("\n", "\r\n") + "\n\n",
    ],
    ids=["no-breaks", "spaces", "escaped", "crlf"],
)
def test_pem_texts_that_lost_their_line_breaks_still_sign(service, rsa_signer, mangle):
    values = signed_values(
        service,
        rsa_signer,
        **{
            "authentication.certificate.certificate": mangle(rsa_signer.certificate),
            "authentication.certificate.privateKey": mangle(rsa_signer.private_key),
        },
    )
    outcome = run_template(V2, values)
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"


def test_normalize_pem_keeps_chains_and_legacy_headers():
    chain = (
        "-----BEGIN CERTIFICATE-----QUJD REVG-----END CERTIFICATE-----"
        "-----BEGIN CERTIFICATE-----R0hJ-----END CERTIFICATE-----"
    )
    assert normalize_pem(chain) == (
        "-----BEGIN CERTIFICATE-----\nQUJDREVG\n-----END CERTIFICATE-----\n"
        "-----BEGIN CERTIFICATE-----\nR0hJ\n-----END CERTIFICATE-----\n"
    )
    legacy = (
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
        "QUJD\n-----END RSA PRIVATE KEY-----"
    )
    assert normalize_pem(legacy) == legacy + "\n"
    assert normalize_pem("no pem here") == "no pem here"
    wrapped = normalize_pem("-----BEGIN X-----" + "A" * 130 + "-----END X-----")
    assert [len(line) for line in wrapped.splitlines()] == [17, 64, 64, 2, 15]


# --------------------------------------------------------------------------------------------
# Keystores
# --------------------------------------------------------------------------------------------


@pytest.fixture
def keystores(tmp_path: Path, settings: Any, rsa_signer: Identity) -> Path:
    folder = tmp_path / "keystores"
    folder.mkdir()
    settings.CONNECTORHUB_KEYSTORE_DIR = str(folder)
    certificate = x509.load_pem_x509_certificate(rsa_signer.certificate.encode())
    store = pkcs12.serialize_key_and_certificates(
        b"Signer",
        rsa_signer.key,
        certificate,
        None,
        serialization.BestAvailableEncryption(b"store-pw"),
    )
    (folder / "hub.p12").write_bytes(store)
    (folder / "legacy.jks").write_bytes(b"\xfe\xed\xfe\xed" + b"\0" * 60)
    return folder


def keystore_values(server: RecordingServer, signer: Identity, **extra: Any) -> dict[str, Any]:
    values = signed_values(server, signer)
    values.update(
        {
            "authentication.certificate.certificateType": "keystore",
            "authentication.certificate.keystoreLocation": "hub.p12",
            "authentication.certificate.keystorePassword": "store-pw",
            "authentication.certificate.alias": "signer",
            "authentication.certificate.password": "store-pw",
            **extra,
        }
    )
    return values


@pytest.mark.parametrize("location", ["hub.p12", "file:hub.p12", "KEYSTORE/hub.p12"])
def test_a_pkcs12_keystore_signs(service, rsa_signer, keystores, location):
    location = location.replace("KEYSTORE", str(keystores))
    values = keystore_values(
        service, rsa_signer, **{"authentication.certificate.keystoreLocation": location}
    )
    outcome = run_template(V2, values)
    assert result_of(outcome)["Envelope"]["Body"]["AddResponse"]["Result"] == "5"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"keystorePassword": "nope"}, "keystorePassword: cannot open the keystore"),
        ({"alias": "other"}, "alias: the keystore has no key entry 'other'"),
        ({"keystoreLocation": "missing.p12"}, "keystoreLocation: cannot read the keystore"),
        ({"keystoreLocation": "../secret_key"}, "is outside the keystore directory"),
        ({"keystoreLocation": "/etc/passwd"}, "is outside the keystore directory"),
        ({"keystoreLocation": "classpath:ks.p12"}, "is not a file"),
        ({"keystoreLocation": "https://example.org/ks.p12"}, "is not a file"),
        ({"keystoreLocation": "legacy.jks"}, "is a Java KeyStore (JKS); convert it"),
    ],
)
def test_keystore_problems_name_the_field(service, rsa_signer, keystores, change, message):
    extra = {f"authentication.certificate.{key}": value for key, value in change.items()}
    outcome = run_template(V2, keystore_values(service, rsa_signer, **extra))
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert message in outcome.message
    assert "authentication.certificate." in outcome.message
    assert service.requests == []


def test_keystores_can_be_turned_off(service, rsa_signer, keystores, settings):
    settings.CONNECTORHUB_KEYSTORE_DIR = ""
    outcome = run_template(V2, keystore_values(service, rsa_signer))
    assert "keystores are turned off here" in outcome.message


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"authentication.certificate.certificate": "not a certificate"},
            "authentication.certificate.certificate: is not a PEM X.509 certificate",
        ),
        (
            {"authentication.certificate.privateKey": "-----BEGIN PRIVATE KEY-----\nAAAA\n"},
            "authentication.certificate.privateKey: is not an unencrypted PEM private key",
        ),
        (
            {"authentication.signatureAlgorithm": "rsa-sha999"},
            "authentication.signatureAlgorithm: unknown algorithm 'rsa-sha999'",
        ),
        (
            {"authentication.signatureAlgorithm": "ecdsa-sha256"},
            "does not fit the key (an RSA key)",
        ),
        (
            {"authentication.digestAlgorithm": "md5"},
            "authentication.digestAlgorithm: unknown algorithm 'md5'",
        ),
        (
            {"authentication.encryptionParts": '=[{"namespace": "urn:x", "localName": "Nope"}]'},
            "authentication.encryptionParts: the part {urn:x}Nope to sign is not in the SOAP",
        ),
        (
            {"authentication.encryptionParts": '=[{"namespace": "urn:x"}]'},
            "localName",
        ),
    ],
)
def test_bad_signature_input_names_the_field(service, rsa_signer, extra, message):
    outcome = run_template(V2, signed_values(service, rsa_signer, **extra))
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert message in outcome.message
    assert service.requests == []


def test_a_key_that_does_not_match_the_certificate(service, rsa_signer, ec_signer):
    values = signed_values(
        service, rsa_signer, **{"authentication.certificate.privateKey": ec_signer.private_key}
    )
    outcome = run_template(V2, values)
    assert "privateKey: the private key does not belong to the certificate" in outcome.message
    assert ec_signer.private_key.splitlines()[1] not in outcome.message


def test_a_dsa_key_is_refused_with_a_reason(service):
    dsa_signer = make_identity(dsa.generate_private_key(key_size=2048))
    outcome = run_template(V2, signed_values(service, dsa_signer))
    assert outcome.kind == "failed"
    assert "privateKey: DSA keys cannot sign WS-Security messages; use an RSA or EC key" in (
        outcome.message
    )


def test_the_unsigned_service_check_finds_a_missing_header():
    bare = f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><x/></s:Body></s:Envelope>'.encode()
    assert signature_problem(bare, b"") == "no wsse:Security header"
