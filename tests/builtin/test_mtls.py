"""REST with client certificates (templates v15+): an HTTPS server on 127.0.0.1 that requires a
client certificate signed by a CA made for the test."""

from __future__ import annotations

from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template

V18 = template(REST_FILE, REST_ID, 18)


def call(server, **tls):
    values = {"method": "GET", "url": f"{server.url}/secure", "resultVariable": "result"}
    values.update({f"clientTls.{k}": v for k, v in tls.items()})
    return run_template(V18, values)


def test_the_client_certificate_is_presented(mtls_server, pki):
    outcome = call(
        mtls_server,
        clientCertificate=pki.client_cert_pem,
        clientPrivateKey=pki.client_key_pem,
        trustedCertificate=pki.ca_pem,
    )
    assert result_of(outcome)["status"] == 200
    subject = dict(item[0] for item in mtls_server.last("/secure").client_cert["subject"])
    assert subject["commonName"] == "connectorhub-client"


def test_an_encrypted_private_key_with_its_password(mtls_server, pki):
    outcome = call(
        mtls_server,
        clientCertificate=pki.client_cert_pem,
        clientPrivateKey=pki.client_key_encrypted_pem,
        privateKeyPassword=pki.key_password,
        trustedCertificate=pki.ca_pem,
    )
    assert result_of(outcome)["status"] == 200


def test_pem_texts_pasted_into_one_line_fields_still_work(mtls_server, pki):
    """A key kept in a secret (a one-line input drops the line breaks) and PEM texts with
    escaped line breaks, as environment variables hold them."""

    def one_line(pem: str) -> str:
        return pem.replace("\n", "")

    def escaped(pem: str) -> str:
        return pem.replace("\n", "\\n")

    outcome = call(
        mtls_server,
        clientCertificate=escaped(pki.client_cert_pem),
        clientPrivateKey=one_line(pki.client_key_encrypted_pem),
        privateKeyPassword=pki.key_password,
        trustedCertificate=one_line(pki.ca_pem),
    )
    assert result_of(outcome)["status"] == 200


def test_without_a_client_certificate_the_handshake_fails(mtls_server, pki):
    outcome = call(mtls_server, trustedCertificate=pki.ca_pem)
    assert outcome.kind == "failed"
    assert outcome.code == "SSL_HANDSHAKE_FAILED"
    assert outcome.message.startswith("TLS handshake failed:")


def test_an_untrusted_server_certificate_fails(mtls_server, pki):
    outcome = call(
        mtls_server, clientCertificate=pki.client_cert_pem, clientPrivateKey=pki.client_key_pem
    )
    assert outcome.code == "SSL_HANDSHAKE_FAILED"
    assert "self-signed certificate in certificate chain" in outcome.message


def test_a_wrong_key_password_is_an_input_error(mtls_server, pki):
    outcome = call(
        mtls_server,
        clientCertificate=pki.client_cert_pem,
        clientPrivateKey=pki.client_key_encrypted_pem,
        privateKeyPassword="wrong",
        trustedCertificate=pki.ca_pem,
    )
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert "clientTls: Failed to build SSL context for mTLS" in outcome.message
    assert mtls_server.requests == []
