"""The Azure Blob Storage connector's OAuth 2.0 client credentials flow, end to end: the token
comes from a local Microsoft identity platform token endpoint (the hub's authority-host setting
points there, as AZURE_AUTHORITY_HOST does for Azure Identity), and Azurite, which accepts bearer
tokens only over HTTPS, serves the account with `--oauth basic` behind a test CA's certificate.

What Azurite checks of a token: its issuer, audience and expiry, not its signature (that is
Entra ID's business, which cannot be reached here).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from connectorhub_sdk.documents import InMemoryDocumentStore

from connectors.builtin.cloudstorage import azure
from connectors.builtin.http.transport import close_clients
from tests.cloudstorage.conftest import (
    AZURE,
    BINARY,
    document,
    failed,
    official,
    read_back,
    result,
    run,
    shown,
    upload_source,
)
from tests.services.azurite import Azurite, azurite_server
from tests.services.http_servers import Recorded, RecordingServer, Reply, make_pki

pytestmark = pytest.mark.xdist_group("azurite")

TENANT, CLIENT_ID, CLIENT_SECRET = "hub-tenant", "hub-app", "Entra-Client-Secret-0001"
SECRETS = {"AZURE_CLIENT_SECRET": CLIENT_SECRET}


class EntraId:
    """A token endpoint for one application (client credentials grant), handing out tokens
    shaped as Entra ID's v1 access tokens for Azure Storage."""

    def __init__(self, server: RecordingServer) -> None:
        self.server = server
        self.audience: str | None = None  # None: the audience the scope names
        server.route(f"/{TENANT}/oauth2/v2.0/token", self._answer)

    def _answer(self, request: Recorded) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Reply(401, json={"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid client secret "
                                    "provided.\r\nTrace ID: 1"})  # fmt: skip
        if form.get("grant_type") != "client_credentials":
            return Reply(400, json={"error": "unsupported_grant_type"})
        now = int(time.time())
        audience = self.audience or form.get("scope", "").removesuffix("/.default")
        claims = {"aud": audience, "iat": now,
                  "nbf": now - 60, "exp": now + 3600, "oid": "app-object-id", "appid": CLIENT_ID,
                  "iss": f"https://sts.windows.net/{TENANT}/", "tid": TENANT}  # fmt: skip
        token = ".".join(_b64(part) for part in ({"alg": "RS256", "typ": "JWT"}, claims)) + ".sig"
        return Reply(json={"token_type": "Bearer", "expires_in": 3599, "access_token": token})


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def azurite_https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    folder = tmp_path_factory.mktemp("azurite-tls")
    pki = make_pki(folder)
    ca_file = folder / "ca.pem"
    ca_file.write_text(pki.ca_pem)
    with azurite_server((pki.server_cert, pki.server_key, ca_file)) as running:
        yield running


@pytest.fixture
def entra() -> Iterator[EntraId]:
    with RecordingServer() as server:
        yield EntraId(server)


@pytest.fixture
def oauth(
    azurite_https: Azurite, entra: EntraId, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Azurite]:
    """The HTTPS Azurite, emptied, with a container `orders`; the hub's authority host is a
    local Entra ID, and the hub's HTTP client trusts the test CA (SSL_CERT_FILE, read when a
    connection pool is made: the pools are closed before and after)."""
    azurite_https.reset()
    azurite_https.create_container("orders")
    monkeypatch.setenv(azure.AUTHORITY_SETTING, entra.server.url)
    monkeypatch.setenv("SSL_CERT_FILE", str(azurite_https.ca_file))
    close_clients()
    try:
        yield azurite_https
    finally:
        close_clients()


def oauth_values(
    azurite: Azurite, secret: str = "{{secrets.AZURE_CLIENT_SECRET}}"
) -> dict[str, Any]:
    return {
        "authentication.type": "oAuth-client-credentials-flow",
        "authentication.tenantId": TENANT,
        "authentication.clientId": CLIENT_ID,
        "authentication.clientSecret": secret,
        "authentication.accountUrl": azurite.endpoint,
    }


def test_a_bearer_token_uploads_and_downloads(oauth: Azurite) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "application/pdf", "scan.pdf")
    upload = {**oauth_values(oauth), "operationDiscriminator": "uploadBlob",
              "operation.container": "orders", "operation.timeout": 30}  # fmt: skip
    upload |= upload_source()

    outcome = run(official(AZURE), upload, secrets=SECRETS, variables={"doc": doc}, store=store)

    assert result(outcome) == {"container": "orders", "filename": "scan.pdf",
                               "link": f"{oauth.endpoint}/orders/scan.pdf"}  # fmt: skip
    stored = oauth.get_blob("orders", "scan.pdf")
    assert stored.content == BINARY and stored.headers["content-type"] == "application/pdf"
    token, put = outcome.trace.exchanges
    assert token["summary"] == f"Entra ID token · client credentials for {CLIENT_ID}"
    assert "client_secret=***" in token["request_body"]
    assert '"access_token": "***"' in token["response_body"]
    assert put["request_headers"]["Authorization"] == "Bearer ***"
    assert CLIENT_SECRET not in shown(outcome)

    download = {**oauth_values(oauth), "operationDiscriminator": "downloadBlob",
                "operation.container": "orders", "operation.fileName": "scan.pdf",
                "documentReturnFormat.choice": "DOCUMENT"}  # fmt: skip
    answer = result(run(official(AZURE), download, secrets=SECRETS, store=store))
    assert read_back(store, answer["document"]) == BINARY


def test_a_wrong_client_secret_fails_as_azure_identity_does(oauth: Azurite) -> None:
    wrong = {"AZURE_CLIENT_SECRET": "Not-The-Secret-0002"}
    values = {**oauth_values(oauth), "operationDiscriminator": "downloadBlob",
              "operation.container": "orders", "operation.fileName": "x.txt"}  # fmt: skip

    outcome = run(official(AZURE), values, secrets=wrong)

    message = failed(outcome, azure.AUTH_EXCEPTION)
    assert message == (
        "ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret "
        "provided."
    )
    assert "Not-The-Secret-0002" not in shown(outcome)


def test_a_token_for_another_audience_is_refused_by_azurite(oauth: Azurite, entra: EntraId) -> None:
    entra.audience = "https://vault.azure.net"
    values = {**oauth_values(oauth), "operationDiscriminator": "downloadBlob",
              "operation.container": "orders", "operation.fileName": "x.txt"}  # fmt: skip

    outcome = run(official(AZURE), values, secrets=SECRETS)

    message = failed(outcome, azure.BLOB_EXCEPTION)
    assert message.startswith("Status code 403, AuthenticationFailed: "), message


def test_a_forged_sas_is_refused_over_https_too(oauth: Azurite) -> None:
    """The same HTTPS account with a SAS signed by another key: Azurite really checks."""
    forged = oauth.sas_token(key="V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=")
    values = {"authentication.type": "SAS", "authentication.SASToken": "{{secrets.SAS}}",
              "authentication.SASUrl": oauth.endpoint, "operationDiscriminator": "downloadBlob",
              "operation.container": "orders", "operation.fileName": "x.txt"}  # fmt: skip

    outcome = run(official(AZURE), values, secrets={"SAS": forged})

    assert failed(outcome, azure.BLOB_EXCEPTION).startswith("Status code 403, ")
