"""SOAP WS-Security signatures checked by Apache WSS4J, what Camunda's connector signs with and
what many services that receive its requests verify with (tests/services/wss4j_check.py).

The messages are the ones the official templates make: each test runs the SOAP connector
against a local SOAP service, then hands the request it received to WSS4J. Without the jars
from .ci/fetch-wss4j the module is skipped; CI sets WSS4J_REQUIRED=1, which makes that a
failure.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from signxml import DigestAlgorithm, SignatureMethod

from connectors.builtin.http import wssecurity
from tests.builtin.conftest import SOAP_FILE, SOAP_ID, result_of, run_template, template
from tests.builtin.test_soap_signature import signed_values
from tests.services import fetched
from tests.services.http_servers import SOAP11, SOAP12, RecordingServer, soap_endpoint
from tests.services.wss4j_check import Verdict, Wss4jUnavailable, Wss4jVerifier, wss4j_verifier
from tests.services.wssecurity_check import Identity, make_identity

V1 = template(SOAP_FILE, SOAP_ID, 1)
V2 = template(SOAP_FILE, SOAP_ID, 2)
DSIG = "http://www.w3.org/2000/09/xmldsig#"
MORE = "http://www.w3.org/2001/04/xmldsig-more#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
BODY11 = f"{{{SOAP11}}}Body"
BODY12 = f"{{{SOAP12}}}Body"


@pytest.fixture(scope="module")
def wss4j() -> Iterator[Wss4jVerifier]:
    with contextlib.ExitStack() as stack:
        try:
            verifier = stack.enter_context(wss4j_verifier())
        except Wss4jUnavailable as reason:
            fetched.missing(str(reason), "WSS4J_REQUIRED")
        yield verifier


@pytest.fixture
def service(server: RecordingServer) -> RecordingServer:
    """A SOAP service that answers without checking: WSS4J checks what it received."""
    soap_endpoint(server)
    return server


def signed_request(
    service: RecordingServer, signer: Identity, tpl: Any = V2, **extra: Any
) -> bytes:
    """The request the connector sent for test_soap's Add call (2 + 3) signed by SIGNER (or
    for the body EXTRA gives)."""
    outcome = run_template(tpl, signed_values(service, signer, **extra))
    assert "Fault" not in result_of(outcome)["Envelope"]["Body"]
    return service.last("/soap").body


def accepted(verdict: Verdict) -> Verdict:
    assert verdict.ok, f"WSS4J rejects the message: {verdict.problem}"
    return verdict


@pytest.mark.parametrize("tpl", [V1, V2], ids=["v1", "v2"])
def test_camundas_default_signature_passes_wss4j(wss4j, service, rsa_signer, tpl):
    sent = signed_request(service, rsa_signer, tpl)
    verdict = accepted(wss4j.verify(sent, rsa_signer.certificate))
    assert verdict.signed == (BODY11,)
    assert verdict.signature_methods == (f"{DSIG}rsa-sha1",)
    assert verdict.digest_methods == (f"{DSIG}sha1",)
    assert verdict.actions == ("signature", "token")


def test_sha256_with_a_timestamp_in_soap_12(wss4j, service, rsa_signer):
    sent = signed_request(
        service,
        rsa_signer,
        **{
            "soapVersion.version": "1.2",
            "authentication.signatureAlgorithm": f"{MORE}rsa-sha256",
            "authentication.digestAlgorithm": SHA256,
            "authentication.timestamp": 300,
        },
    )
    verdict = accepted(wss4j.verify(sent, rsa_signer.certificate, timestamp=True))
    assert verdict.signed == (BODY12,)
    assert (verdict.signature_methods, verdict.digest_methods) == (
        (f"{MORE}rsa-sha256",),
        (SHA256,),
    )
    assert verdict.actions == ("timestamp", "signature", "token")


def test_without_a_timestamp_a_service_requiring_one_refuses(wss4j, service, rsa_signer):
    verdict = wss4j.verify(
        signed_request(service, rsa_signer), rsa_signer.certificate, timestamp=True
    )
    assert not verdict.ok
    assert verdict.problem == "no timestamp"


@pytest.mark.parametrize(
    ("curve", "algorithm"),
    [
        (ec.SECP256R1(), ""),  # WSS4J's default for an EC key: ecdsa-sha256
        (ec.SECP384R1(), f"{MORE}ecdsa-sha384"),
        (ec.SECP521R1(), f"{MORE}ecdsa-sha512"),
    ],
    ids=["p256-default", "p384", "p521"],
)
def test_ec_keys_pass_wss4j(wss4j, service, curve, algorithm):
    signer = make_identity(ec.generate_private_key(curve))
    extra = {"authentication.signatureAlgorithm": algorithm} if algorithm else {}
    # P-521 signature values are two 66-byte integers: a few messages, so that one with a
    # leading zero byte is likely among them
    for _ in range(3):
        verdict = accepted(
            wss4j.verify(signed_request(service, signer, **extra), signer.certificate)
        )
        assert verdict.signature_methods == (algorithm or f"{MORE}ecdsa-sha256",)


def test_listed_parts_pass_wss4j_and_leave_the_body_unsigned(wss4j, service, rsa_signer):
    wsu = wssecurity.WSU
    sent = signed_request(
        service,
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
    parts = [("urn:calc", "Trace"), (wsu, "Timestamp")]
    verdict = accepted(wss4j.verify(sent, rsa_signer.certificate, parts=parts, timestamp=True))
    assert set(verdict.signed) == {"{urn:calc}Trace", f"{{{wsu}}}Timestamp"}
    # as with Camunda's connector: listing parts replaces the Body
    body_required = wss4j.verify(sent, rsa_signer.certificate)
    assert body_required.problem == f"required part {BODY11} is not signed"


def test_text_attributes_and_namespaces_survive_canonicalisation(wss4j, service, rsa_signer):
    body = (
        '<c:Echo xmlns="urn:other" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="7">'
        '<Note xsi:type="c:Text" lang="fr">Zoë &amp; “ça” &lt;✓&gt;   </Note><c:Empty/>'
        "</c:Echo>"
    )
    sent = signed_request(service, rsa_signer, **{"body.type": "template", "body.template": body})
    accepted(wss4j.verify(sent, rsa_signer.certificate))


def test_a_tampered_body_is_rejected(wss4j, service, rsa_signer):
    sent = signed_request(service, rsa_signer)
    tampered = sent.replace(b"<c:a>2</c:a>", b"<c:a>9</c:a>")
    assert tampered != sent
    verdict = wss4j.verify(tampered, rsa_signer.certificate)
    assert not verdict.ok
    assert verdict.problem == "FAILED_CHECK: The signature or decryption was invalid"


def test_another_signer_is_not_trusted(wss4j, service, rsa_signer, ec_signer):
    verdict = wss4j.verify(signed_request(service, ec_signer), rsa_signer.certificate)
    assert not verdict.ok
    assert (verdict.problem or "").startswith("FAILURE: Error during certificate path validation")


def test_an_expired_timestamp_is_rejected(wss4j, service, rsa_signer):
    """The Timestamp is not signed here (as by default), so moving it into the past keeps the
    signature valid: WSS4J's own time check is what refuses it."""
    sent = signed_request(service, rsa_signer, **{"authentication.timestamp": 300})
    stale = re.sub(rb"<wsu:(Created|Expires)>\d{4}", rb"<wsu:\1>2001", sent)
    assert stale.count(b">2001-") == 2
    verdict = wss4j.verify(stale, rsa_signer.certificate)
    assert not verdict.ok
    assert (
        verdict.problem == "MESSAGE_EXPIRED: Invalid timestamp: The message timestamp has expired"
    )


def test_the_check_enforces_the_basic_security_profile(wss4j, service, rsa_signer):
    """BSP enforcement is on, as in WSS4J's and Spring-WS's defaults: inclusive C14N, which
    R5404 forbids, is refused before the signature is even computed."""
    sent = signed_request(service, rsa_signer)
    inclusive = sent.replace(
        b'CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"',
        b'CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"',
    )
    assert inclusive != sent
    verdict = wss4j.verify(inclusive, rsa_signer.certificate)
    assert (verdict.problem or "").startswith("INVALID_SECURITY: BSP:R5404:")


# Every signature algorithm the connector takes for each kind of key, and every digest.
RSA_METHODS = [m for m in SignatureMethod if m.name.startswith(("RSA_", "SHA"))]
EC_METHODS = [m for m in SignatureMethod if m.name.startswith("ECDSA_")]


@pytest.mark.parametrize(
    ("kind", "method"),
    [("rsa", m) for m in RSA_METHODS] + [("ec", m) for m in EC_METHODS],
    ids=lambda value: value.name.lower() if isinstance(value, SignatureMethod) else value,
)
def test_every_signature_algorithm_passes_wss4j(
    wss4j, service, rsa_signer, ec_signer, kind, method
):
    signer = rsa_signer if kind == "rsa" else ec_signer
    extra = {
        "authentication.signatureAlgorithm": method.value,
        "authentication.digestAlgorithm": SHA256,
    }
    verdict = accepted(wss4j.verify(signed_request(service, signer, **extra), signer.certificate))
    assert verdict.signature_methods == (method.value,)


@pytest.mark.parametrize("digest", list(DigestAlgorithm), ids=lambda d: d.name.lower())
def test_every_digest_algorithm_passes_wss4j(wss4j, service, rsa_signer, digest):
    extra = {"authentication.digestAlgorithm": digest.value}
    verdict = accepted(
        wss4j.verify(signed_request(service, rsa_signer, **extra), rsa_signer.certificate)
    )
    assert verdict.digest_methods == (digest.value,)
