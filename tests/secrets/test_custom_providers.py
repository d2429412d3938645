"""A secrets provider a user writes (docs/secrets.md, "Writing a secrets provider").

One implementing only `get` works in a dry-run and on the live worker path; one that also
implements `describe` and `allowed_hosts` gets them used: its description in messages, its
host rule enforced before anything is sent. The providers are named by dotted path in
CONNECTORHUB_SECRETS_PROVIDERS, as an operator would; runs go through `run_start` +
`run_execute` (a dry-run) and the live worker's environment (`live_environment().run_async`,
what the Zeebe job handler calls) with the official REST template against a local server.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.elementtemplates import ElementTemplate, active_properties, field_key
from connectors.execution.hub import live_environment
from connectors.models import ImportSource, Run, SecretAuditEvent, TemplateVersion
from connectors.runs.services import run_execute, run_start
from connectors.runtime import Completed, Failed, JobRequest, Outcome
from tests.builtin.conftest import REST_FILE, REST_ID, values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.secrets.vault_providers import CapableVault, GetOnlyVault
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.django_db
VALUE = "vault-canary-Q8m2-7xkd"
REST_JOB = "io.camunda:http-json:1"
GET_ONLY = "tests.secrets.vault_providers.GetOnlyVault"
CAPABLE = "tests.secrets.vault_providers.CapableVault"


@pytest.fixture(autouse=True)
def vaults(settings: Any) -> Iterator[None]:
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]  # the local server is on loopback
    GetOnlyVault.values = {"VAULT_TOKEN": VALUE}
    CapableVault.values = {"VAULT_TOKEN": VALUE, "RESTRICTED": VALUE}
    CapableVault.hosts = {"RESTRICTED": ["api.example.com"]}
    yield
    GetOnlyVault.values, CapableVault.values, CapableVault.hosts = {}, {}, {}


@pytest.fixture
def rest(db: None) -> Any:
    document = (REST_FILE, (CORPUS_DIR / REST_FILE).read_bytes())
    assert not import_documents([document], source=ImportSource.COMMAND).failed
    return TemplateVersion.objects.get(entry__template_id=REST_ID, version=18)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        running.route("/api", Reply(json={"hello": "vault"}))
        yield running


@pytest.fixture
def staff(user: Any) -> Any:
    # A secret from outside the hub's store is for staff only in dry-runs (docs/secrets.md).
    user.is_staff = True
    user.save()
    return user


def providers(settings: Any, *names: str) -> None:
    settings.CONNECTORHUB_SECRETS_PROVIDERS = ["database", *names]


def dry_run(version: Any, server: RecordingServer, token: str, user: Any) -> Run:
    template = ElementTemplate.from_dict(version.content)
    by_binding = {
        "method": "GET",
        "url": f"{server.url}/api",
        "authentication.type": "bearer",
        "authentication.token": token,
    }
    values = values_for(template, by_binding)
    shown = {field_key(p) for p in active_properties(template, values)}
    values = {key: value for key, value in values.items() if key in shown}
    run = run_start(version=version, values=values, variables={}, user=user, enqueue=False)
    done = run_execute(run.pk)
    assert done is not None
    return done


def live_job(server: RecordingServer, token: str) -> Outcome:
    """A REST job served the way the Zeebe job handler serves it (blocking work in a thread)."""
    variables = {
        "method": "GET",
        "url": f"{server.url}/api",
        "authentication": {"type": "bearer", "token": token},
    }
    job = JobRequest(REST_JOB, variables, {"resultVariable": "r"}, key=4242)
    environment = live_environment(run_blocking=asyncio.to_thread)
    return asyncio.run(environment.run_async(job))


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


# --- a provider with `get` only --------------------------------------------------------------


def test_a_get_only_provider_serves_a_dry_run(
    settings: Any, staff: Any, rest: Any, server: RecordingServer
) -> None:
    providers(settings, GET_ONLY)
    run = dry_run(rest, server, "{{secrets.VAULT_TOKEN}}", staff)
    assert run.outcome == "completed", run.error_message
    assert server.last("/api").header("Authorization") == f"Bearer {VALUE}"
    assert VALUE not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.secret_name == "VAULT_TOKEN" and use.detail.endswith("(another provider)")


def test_a_get_only_provider_is_named_by_its_class_in_messages(
    settings: Any, user: Any, rest: Any, server: RecordingServer
) -> None:
    providers(settings, GET_ONLY)
    refused = dry_run(rest, server, "{{secrets.VAULT_TOKEN}}", user)  # not staff
    assert refused.outcome == "failed"
    assert "it comes from the GetOnlyVault provider, outside the hub's store" in (
        refused.error_message
    )
    missing = dry_run(rest, server, "{{secrets.NOWHERE}}", user)
    assert missing.error_message.startswith(
        "Secret with name 'NOWHERE' is not available (looked in: the hub's secrets, GetOnlyVault)"
    )
    assert server.requests == []


# the worker's database work runs in threads, outside a test transaction
@pytest.mark.django_db(transaction=True)
def test_a_get_only_provider_serves_a_live_job_and_the_use_is_audited(
    settings: Any, server: RecordingServer
) -> None:
    providers(settings, GET_ONLY)
    outcome = live_job(server, "{{secrets.VAULT_TOKEN}}")
    assert isinstance(outcome, Completed), outcome
    assert server.last("/api").header("Authorization") == f"Bearer {VALUE}"
    use = SecretAuditEvent.objects.get(action="use")
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == REST_JOB
    assert use.secret_name == "VAULT_TOKEN" and use.detail.startswith("job key 4242")


# --- a provider with `describe`, `allowed_hosts` and `label` ---------------------------------


def test_a_providers_host_rule_holds_a_dry_run_to_its_hosts(
    settings: Any, staff: Any, rest: Any, server: RecordingServer
) -> None:
    providers(settings, CAPABLE)
    refused = dry_run(rest, server, "{{secrets.RESTRICTED}}", staff)
    assert refused.outcome == "failed"
    assert "Secret 'RESTRICTED' may not be sent to 127.0.0.1" in refused.error_message
    assert "api.example.com" in refused.error_message
    assert server.requests == []
    assert VALUE not in stored(refused)
    # a secret it keeps no rule for may go anywhere the egress policy allows
    allowed = dry_run(rest, server, "{{secrets.VAULT_TOKEN}}", staff)
    assert allowed.outcome == "completed", allowed.error_message


def test_a_providers_description_is_used_in_messages(
    settings: Any, user: Any, rest: Any, server: RecordingServer
) -> None:
    providers(settings, CAPABLE)
    refused = dry_run(rest, server, "{{secrets.VAULT_TOKEN}}", user)  # not staff
    assert "it comes from vault path kv/VAULT_TOKEN, outside the hub's store" in (
        refused.error_message
    )
    missing = dry_run(rest, server, "{{secrets.NOWHERE}}", user)
    assert missing.error_message.startswith(
        "Secret with name 'NOWHERE' is not available "
        "(looked in: the hub's secrets, vault path kv/NOWHERE)"
    )


# the worker's database work runs in threads, outside a test transaction
@pytest.mark.django_db(transaction=True)
def test_a_providers_host_rule_holds_a_live_job_to_its_hosts(
    settings: Any, server: RecordingServer
) -> None:
    providers(settings, CAPABLE)
    outcome = live_job(server, "{{secrets.RESTRICTED}}")
    assert isinstance(outcome, Failed), outcome
    assert "Secret 'RESTRICTED' may not be sent to 127.0.0.1" in outcome.message
    assert server.requests == []
    assert isinstance(live_job(server, "{{secrets.VAULT_TOKEN}}"), Completed)


# --- the hub asks providers through the capability protocols only ----------------------------

PROBE = re.compile(r"\b(?:getattr|hasattr)\(\s*(?:self\.)?(?:provider|candidate|member|secrets)\b")


def test_no_module_probes_a_provider_by_attribute_name() -> None:
    """Optional capabilities are runtime-checkable protocols (connectors/secrets/providers.py),
    each tested in one helper; a getattr on a provider would bypass them."""
    root = Path(__file__).resolve().parents[2] / "connectors"
    found = [
        f"{path.relative_to(root.parent)}:{number}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PROBE.search(line)
    ]
    assert found == []
