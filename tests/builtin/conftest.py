"""Fixtures for the HTTP connectors: real local servers, the official templates from the pinned
corpus, and `run_template`, which builds the job exactly as the Modeler and Zeebe would
(`build_job`) and runs it through the runtime core (`run_job`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from connectors.builtin.http.auth import token_cache
from connectors.elementtemplates import ElementTemplate, build_job, read_templates
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.http_servers import Pki, RecordingServer, make_pki
from tests.services.wssecurity_check import Identity, make_identity

REST_FILE = "http-json-connector.json"
GRAPHQL_FILE = "graphql-outbound-connector.json"
SOAP_FILE = "soap-outbound-connector.json"
REST_ID = "io.camunda.connectors.HttpJson.v2"
GRAPHQL_ID = "io.camunda.connectors.GraphQL.v1"
SOAP_ID = "io.camunda:soap"

# What the dry-run path would use with CONNECTORHUB_EGRESS_ALLOW=127.0.0.1
LOCAL_ONLY = EgressPolicy.from_allowlist(["127.0.0.1"])


@cache
def templates(file_name: str) -> tuple[ElementTemplate, ...]:
    return tuple(read_templates((CORPUS_DIR / file_name).read_bytes()))


def template(file_name: str, template_id: str, version: int | None) -> ElementTemplate:
    for candidate in templates(file_name):
        if candidate.id == template_id and candidate.version == version:
            return candidate
    raise LookupError(f"{template_id} v{version} is not in {file_name}")


def values_for(tpl: ElementTemplate, by_binding: dict[str, Any]) -> dict[str, Any]:
    """Form values keyed as the form keys them (`field_key`), given by binding name: every
    property bound to that name gets the value (conditions decide which one is active)."""
    from connectors.elementtemplates import field_key

    values: dict[str, Any] = {}
    for prop in tpl.properties:
        name = prop.binding.name or prop.binding.key or prop.binding.property
        if name in by_binding and prop.type != "Hidden":
            values[field_key(prop)] = by_binding[name]
    return values


def run_template(
    tpl: ElementTemplate,
    by_binding: dict[str, Any],
    *,
    secrets: dict[str, str] | None = None,
    policy: Any = LOCAL_ONLY,
    time_limit: float | None = 30.0,
    retries: int | None = None,
) -> Outcome:
    job = build_job(tpl, values_for(tpl, by_binding))
    assert not job.errors, job.errors
    assert job.type is not None
    return run_job(
        JobRequest(
            type=job.type,
            variables=job.variables,
            headers=job.headers,
            retries=job.retries if retries is None else retries,
        ),
        secrets=MappingSecretProvider(secrets or {}),
        time_limit=time_limit,
        address_policy=policy,
    )


def result_of(outcome: Outcome, name: str = "result") -> Any:
    assert outcome.kind == "completed", outcome
    return outcome.variables[name]


def create_secret_in_browser(
    page: Any, base_url: str, name: str, value: str, allowed_hosts: str = "127.0.0.1"
) -> None:
    """What a person does on the New secret page (the value typed into its one-line field)."""
    page.goto(f"{base_url}/secrets/new/")
    page.fill("#id_name", name)
    page.fill("#id_value", value)
    page.fill("#id_allowed_hosts", allowed_hosts)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=its value is never shown again")


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    token_cache.clear()
    yield
    token_cache.clear()


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="session")
def rsa_signer() -> Identity:
    """A self-signed RSA signer for the SOAP signature tests."""
    return make_identity(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def ec_signer() -> Identity:
    """A self-signed EC (P-256) signer for the SOAP signature tests."""
    return make_identity(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def mtls_server(pki: Pki) -> Iterator[RecordingServer]:
    with RecordingServer(ssl_context=pki.server_context(require_client_cert=True)) as running:
        yield running


def dumps(value: Any) -> str:
    return json.dumps(value)
