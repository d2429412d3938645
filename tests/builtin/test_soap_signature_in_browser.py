"""A person signs SOAP requests from the official template's form in Chromium: the private key
lives in a secret (pasted into the one-line value field, so its line breaks are lost), the
certificate is pasted into the form, and the local SOAP service verifies the signature."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import expect

from connectors.models import Run
from tests.builtin.conftest import create_secret_in_browser
from tests.builtin.test_dry_run import egress_worker, versions  # noqa: F401 - fixtures
from tests.services.http_servers import RecordingServer, soap_endpoint
from tests.services.wssecurity_check import make_identity

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

SIGNER = make_identity(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def service() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        soap_endpoint(server, trusted_signer=SIGNER.certificate.encode())
        yield server


def test_a_signed_soap_dry_run_from_the_form(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    service: RecordingServer,
    signed_in_page: Any,
    live_server: Any,
) -> None:
    page = signed_in_page
    create_secret_in_browser(page, live_server.url, "SOAP_KEY", SIGNER.private_key)

    page.goto(f"{live_server.url}/connectors/io.camunda:soap/versions/2/configure/")
    page.fill("[name='v:serviceUrl']", f"{service.url}/soap")
    page.fill("[name='v:body.json']", '{"c:Add": {"c:a": 20, "c:b": 22}}')
    page.fill("[name='v:namespaces']", '{"c": "urn:calc"}')
    page.select_option("select[name='v:authentication.authentication']", value="signature")
    page.select_option(
        "select[name='v:authentication.certificate.certificateType']", value="single"
    )
    page.fill("[name='v:authentication.certificate.certificate']", SIGNER.certificate)
    page.fill("[name='v:authentication.certificate.privateKey']", "{{secrets.SOAP_KEY}}")
    page.fill("[name='v:resultVariable']", "result")
    page.screenshot(path="test-artifacts/soap-signature-form.png", full_page=True)
    expect(page.locator("#dry-run")).to_be_enabled()
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))

    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#run-outcome")).to_have_attribute("data-outcome", "completed")
    expect(page.locator("#run-result")).to_contain_text('"Result": "42"')
    page.screenshot(path="test-artifacts/soap-signature-run.png", full_page=True)
    assert "<ds:SignatureValue>" in service.last("/soap").body.decode()
    run = Run.objects.get()
    key_line = SIGNER.private_key.splitlines()[1]
    for path in ("/secrets/", f"/runs/{run.pk}/", f"/api/v1/runs/{run.pk}/"):
        page.goto(f"{live_server.url}{path}")
        assert key_line not in page.content(), path
