"""The same machinery serves every configuration template, not only AWS: Camunda's REST template
(v18) with a named `io.camunda.connectors:rest-authentication:1` credential (a bearer token) sends
the token to a local server in a dry-run, and no stored or shown output holds it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.catalogue.importing import import_documents
from connectors.credentials.services import credential_save
from connectors.elementtemplates import ElementTemplate, active_properties, field_key
from connectors.models import ImportSource, Run, TemplateVersion
from connectors.runs.services import run_execute, run_start
from tests.builtin.conftest import REST_FILE, REST_ID, values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.django_db
TOKEN = "rest-credential-token-Qw7e-31"


@pytest.fixture(autouse=True)
def hub_settings(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]  # the local server is on loopback


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        running.route("/api", Reply(json={"hello": "credential"}))
        yield running


def test_a_rest_call_authenticates_with_a_named_credential(
    user: Any, server: RecordingServer
) -> None:
    document = (REST_FILE, (CORPUS_DIR / REST_FILE).read_bytes())
    assert not import_documents([document], source=ImportSource.COMMAND).failed
    version = TemplateVersion.objects.get(entry__template_id=REST_ID, version=18)
    raw = version.content
    credential_save(
        definition=raw["configurationTemplates"][0],
        name="api_token",
        values={
            "authentication.type": "bearer",
            "authentication.token": TOKEN,
            "url": f"{server.url}/api",
        },
        user=user,
    )
    template = ElementTemplate.from_dict(raw)
    by_binding = {"authenticationConfiguration": "=camunda.vars.env.api_token",
                  "method": "GET", "url": f"{server.url}/api", "resultVariable": "out"}  # fmt: skip
    values = values_for(template, by_binding)
    shown = {field_key(p) for p in active_properties(template, values)}
    values = {key: value for key, value in values.items() if key in shown}

    run = run_start(version=version, values=values, variables={}, user=user, enqueue=False)
    done = run_execute(run.pk)

    assert done is not None and done.outcome == "completed", done.error_message
    assert dict(server.last("/api").headers)["Authorization"] == f"Bearer {TOKEN}"
    assert done.outcome_record.variables["out"]["body"] == {"hello": "credential"}
    stored = json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)
    assert TOKEN not in stored
