"""A process modelled with Camunda's official SOAP template (v2), signing with a PKCS#12
keystore whose password is a secret, served by the hub's router through the gateway; the local
SOAP service accepts only messages whose signature xmlsec1 verifies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from connectors.secrets import MappingSecretProvider
from connectors.zeebe import JobRecord
from tests.builtin.conftest import SOAP_FILE, SOAP_ID, template, values_for
from tests.services.http_servers import RecordingServer, soap_endpoint
from tests.services.wssecurity_check import make_identity
from tests.zeebe.harness import deploy, unique
from tests.zeebe.test_worker import (  # `_transport` (autouse): over gRPC and over REST too
    RESULT_TIMEOUT_MS,
    _transport,  # noqa: F401
    hub_worker,
)

pytestmark = pytest.mark.zeebe

SOAP = "io.camunda:soap:1"


def write_keystore(folder: Path, key: Any, certificate_pem: str) -> None:
    folder.mkdir()
    store = pkcs12.serialize_key_and_certificates(
        b"signer",
        key,
        x509.load_pem_x509_certificate(certificate_pem.encode()),
        None,
        serialization.BestAvailableEncryption(b"store-pw"),
    )
    (folder / "hub.p12").write_bytes(store)


def test_a_signed_soap_process_completes_through_the_gateway(
    zeebe_address: str, tmp_path: Path, settings: Any
) -> None:
    signer = make_identity(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    write_keystore(tmp_path / "keystores", signer.key, signer.certificate)
    settings.CONNECTORHUB_KEYSTORE_DIR = str(tmp_path / "keystores")
    records: list[JobRecord] = []
    with RecordingServer() as server:
        soap_endpoint(server, trusted_signer=signer.certificate.encode())
        tpl = template(SOAP_FILE, SOAP_ID, 2)
        values = values_for(
            tpl,
            {
                "serviceUrl": f"{server.url}/soap",
                "soapVersion.version": "1.2",
                "body.type": "json",
                "body.json": '={"c:Add": {"c:a": a, "c:b": b}}',
                "namespaces": '={"c": "urn:calc"}',
                "resultVariable": "sum",
                "resultExpression": "={total: response.Envelope.Body.AddResponse.Result}",
                "authentication.authentication": "signature",
                "authentication.certificate.certificateType": "keystore",
                "authentication.certificate.keystoreLocation": "hub.p12",
                "authentication.certificate.keystorePassword": "{{secrets.KEYSTORE_PASSWORD}}",
                "authentication.certificate.alias": "signer",
                "authentication.certificate.password": "{{secrets.KEYSTORE_PASSWORD}}",
                "authentication.timestamp": "300",
            },
        )
        from connectors.export import template_bpmn

        process_id = unique("worker-soap-signed")
        bpmn = template_bpmn(tpl, values, process_id=process_id)
        secrets = MappingSecretProvider({"KEYSTORE_PASSWORD": "store-pw"})

        async def run() -> dict[str, Any]:
            async with hub_worker(
                zeebe_address, records, job_types=(SOAP,), secrets=secrets
            ) as client:
                await deploy(client, bpmn, tmp_path, process_id)
                result = await client.run_process_with_result(
                    process_id, {"a": 40, "b": 2}, timeout=RESULT_TIMEOUT_MS
                )
            return dict(result.variables)

        variables = asyncio.run(run())
        sent = server.last("/soap").body.decode()

    assert variables["total"] == "42"
    assert variables["sum"]["Envelope"]["Body"]["AddResponse"]["Result"] == "42"
    assert "<wsu:Timestamp" in sent and "<ds:SignatureValue>" in sent
    assert "store-pw" not in sent
    (record,) = records
    assert record.outcome == "completed" and record.command_error is None
