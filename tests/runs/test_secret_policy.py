"""Who may use which secret in a dry-run (docs/secrets.md, "Who may use a secret").

Runs go through `run_start` + `run_execute` in this process with the hub's real secrets (the
database provider behind `DryRunSecretPolicy`), the official REST template from the pinned
corpus and a local HTTP server; the Celery path is the same call (test_secrets_never_leak).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command

from connectors.elementtemplates import ElementTemplate, active_properties, field_key
from connectors.models import Run, Secret, SecretAuditEvent
from connectors.runs.services import run_execute, run_rerun, run_start
from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_FILE, REST_ID, values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.django_db
CANARY = "policy-canary-Zt5w-9qpx"
NOT_FOR_CONNECTOR = (
    "Secret 'API_TOKEN' may not be used in this dry-run: the connector does not accept secrets"
)


@pytest.fixture(autouse=True)
def hub_settings(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]  # the local server is on loopback


@pytest.fixture
def rest(db: None) -> Any:
    from connectors.catalogue.importing import import_documents
    from connectors.models import ImportSource, TemplateVersion

    document = (REST_FILE, (CORPUS_DIR / REST_FILE).read_bytes())
    assert not import_documents([document], source=ImportSource.COMMAND).failed
    return TemplateVersion.objects.get(entry__template_id=REST_ID, version=18)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        running.route("/api", Reply(json={"hello": "policy"}))
        yield running


def rest_values(version: Any, server: RecordingServer, token: str) -> dict[str, Any]:
    """What the form posts for a GET to the local server with a bearer token."""
    template = ElementTemplate.from_dict(version.content)
    by_binding = {
        "method": "GET",
        "url": f"{server.url}/api",
        "authentication.type": "bearer",
        "authentication.token": token,
    }
    values = values_for(template, by_binding)
    shown = {field_key(p) for p in active_properties(template, values)}
    return {key: value for key, value in values.items() if key in shown}


def dry_run(version: Any, values: dict[str, Any], user: Any, **kwargs: Any) -> Run:
    run = run_start(version=version, values=values, variables={}, user=user, enqueue=False)
    done = run_execute(run.pk, **kwargs)
    assert done is not None
    return done


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def pieces(value: str, length: int = 6) -> list[str]:
    """Every run of LENGTH characters of VALUE: what a substring() expression could reveal."""
    return [value[i : i + length] for i in range(len(value) - length + 1)]


# --- the reviewer's attack ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "other"])
def test_the_no_op_echo_with_a_substring_expression_gets_no_secret(
    who: str, user: Any, other_user: Any, catalogue: dict, test_registry: Any
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    values = {
        "echo": '="{{secrets.API_TOKEN}}"',  # a FEEL string holding the reference
        "resultExpression": "={a: substring(response.echo, 2)}",
    }
    runner = user if who == "owner" else other_user
    run = dry_run(catalogue["io.connectorhub.noop"], values, runner, registry=test_registry)
    text = stored(run)  # first: without the policy this is where the secret would show
    assert not any(piece in text for piece in pieces(CANARY)), "a piece of the secret is stored"
    assert run.outcome == "failed"
    assert run.error_message.startswith(NOT_FOR_CONNECTOR)
    assert run.outcome_record.retries == 0  # an input error: retrying cannot help
    assert not SecretAuditEvent.objects.filter(action="use").exists()
    assert Secret.objects.get().last_used_at is None  # the value was never even looked up


def test_a_connector_that_accepts_secrets_may_not_be_fooled_by_an_echoing_one(
    user: Any, catalogue: dict, test_registry: Any
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    run = dry_run(
        catalogue["test.echo"], {"text": "secrets.API_TOKEN"}, user, registry=test_registry
    )  # the bare legacy form is refused as well
    assert run.outcome == "failed" and run.error_message.startswith(NOT_FOR_CONNECTOR)


# --- owners, other users and allowed hosts --------------------------------------------------


def test_another_user_cannot_use_a_secret_that_names_no_allowed_hosts(
    user: Any, other_user: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    run = dry_run(rest, rest_values(rest, server, "{{secrets.API_TOKEN}}"), other_user)
    assert run.outcome == "failed"
    assert run.error_message.startswith(
        "Secret 'API_TOKEN' may not be used in this dry-run: it belongs to ada and names no "
        "allowed hosts, so only ada or a staff user may use it until ada lists the hosts it "
        "may be sent to"
    )
    assert server.requests == []  # refused before anything left
    assert CANARY not in stored(run)


def test_the_owner_may_use_their_unrestricted_secret_anywhere(
    user: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    run = dry_run(rest, rest_values(rest, server, "{{secrets.API_TOKEN}}"), user)
    assert run.outcome == "completed", run.stored_outcome
    assert server.last("/api").header("Authorization") == f"Bearer {CANARY}"
    assert CANARY not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.actor == user and use.job_type == run.job_type
    assert use.source == SecretAuditEvent.Source.DRY_RUN


def test_another_user_may_use_a_restricted_secret_toward_an_allowed_host_only(
    user: Any, other_user: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, allowed_hosts=["127.0.0.1"], user=user)
    secret_create(
        name="ELSEWHERE", value="x-" + CANARY, allowed_hosts=["api.example.com"], user=user
    )
    allowed = dry_run(rest, rest_values(rest, server, "{{secrets.API_TOKEN}}"), other_user)
    assert allowed.outcome == "completed", allowed.stored_outcome
    assert server.last("/api").header("Authorization") == f"Bearer {CANARY}"

    server.requests.clear()
    refused = dry_run(rest, rest_values(rest, server, "{{secrets.ELSEWHERE}}"), other_user)
    assert refused.outcome == "failed"
    assert "Secret 'ELSEWHERE' may not be sent to 127.0.0.1" in refused.error_message
    assert "api.example.com" in refused.error_message
    assert server.requests == []
    assert CANARY not in stored(refused)


def test_staff_may_use_any_secret(
    user: Any, other_user: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    other_user.is_staff = True
    other_user.save()
    run = dry_run(rest, rest_values(rest, server, "{{secrets.API_TOKEN}}"), other_user)
    assert run.outcome == "completed", run.stored_outcome


def test_a_secret_from_the_environment_is_for_staff_only(
    user: Any, rest: Any, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_ENV_TOKEN", CANARY)
    run = dry_run(rest, rest_values(rest, server, "{{secrets.ENV_TOKEN}}"), user)
    assert run.outcome == "failed"
    assert "it comes from environment variable SECRET_ENV_TOKEN" in run.error_message
    assert "only staff may use it in dry-runs" in run.error_message
    assert server.requests == []
    user.is_staff = True
    user.save()
    run = dry_run(rest, rest_values(rest, server, "{{secrets.ENV_TOKEN}}"), user)
    assert run.outcome == "completed", run.stored_outcome


def test_a_missing_secret_is_still_reported_as_missing(
    user: Any, other_user: Any, rest: Any, server: RecordingServer
) -> None:
    run = dry_run(rest, rest_values(rest, server, "{{secrets.NOWHERE}}"), other_user)
    assert run.outcome == "failed"
    assert run.error_message.startswith("Secret with name 'NOWHERE' is not available")


def test_the_dryrun_command_is_trusted_like_staff(
    user: Any, rest: Any, server: RecordingServer, tmp_path: Any, capsys: Any
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    values = tmp_path / "values.json"
    values.write_text(json.dumps(rest_values(rest, server, "{{secrets.API_TOKEN}}")))
    call_command("dryrun", REST_ID, "--values", str(values), "--version", "18")
    assert json.loads(capsys.readouterr().out)["outcome"] == "completed"
    assert server.last("/api").header("Authorization") == f"Bearer {CANARY}"


# --- re-runs: someone else's run never borrows the re-runner's secrets ----------------------


@pytest.fixture
def staff(other_user: Any) -> Any:
    other_user.is_staff = True
    other_user.save()
    return other_user


def rerun(run: Run, user: Any) -> Run:
    new = run_rerun(run=run, user=user)
    done = run_execute(new.pk)
    assert done is not None
    return done


def test_a_staff_re_run_of_someone_elses_run_cannot_send_the_staff_users_secret(
    user: Any, staff: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="STAFF_KEY", value=CANARY, user=staff)  # no allowed hosts
    # ada points her run at her own server and names the staff user's secret ...
    bait = dry_run(rest, rest_values(rest, server, "{{secrets.STAFF_KEY}}"), user)
    assert bait.outcome == "failed" and server.requests == []
    # ... and the staff user, looking through the runs, presses Re-run
    run = rerun(bait, staff)
    assert run.outcome == "failed"
    assert run.error_message.startswith(
        "Secret 'STAFF_KEY' may not be used in this dry-run: this re-run uses the secret "
        "permissions of ada, who started the original run, and for ada: it belongs to bob and "
        "names no allowed hosts"
    )
    assert run.outcome_record.retries == 0
    assert server.requests == []
    assert CANARY not in stored(run)
    assert (run.created_by, run.secrets_as) == (staff, user)
    assert not SecretAuditEvent.objects.filter(action="use").exists()


def test_a_staff_re_run_uses_the_creators_own_secrets_as_the_creator_could(
    user: Any, staff: Any, rest: Any, server: RecordingServer
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    original = dry_run(rest, rest_values(rest, server, "{{secrets.API_TOKEN}}"), user)
    assert original.outcome == "completed", original.stored_outcome
    run = rerun(original, staff)
    assert run.outcome == "completed", run.stored_outcome
    assert server.last("/api").header("Authorization") == f"Bearer {CANARY}"
    # a re-run of that re-run still uses ada's permissions, not the staff user's
    assert run_rerun(run=run, user=staff).secrets_as == user


def test_a_run_whose_creator_is_gone_cannot_be_re_run(
    user: Any, staff: Any, rest: Any, server: RecordingServer
) -> None:
    original = dry_run(rest, rest_values(rest, server, "plain"), user)
    user.delete()
    original.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        run_rerun(run=original, user=staff)
    assert raised.value.messages == [
        f"Run {original.pk} cannot be re-run: the user who started it no longer exists, and a "
        "re-run may use only their secret permissions. Open it as a configuration to run its "
        "values as yourself."
    ]


def test_a_staff_users_re_run_of_a_dryrun_command_run_uses_their_own_permissions(
    user: Any, staff: Any, rest: Any, server: RecordingServer, tmp_path: Any, capsys: Any
) -> None:
    secret_create(name="API_TOKEN", value=CANARY, user=user)
    values = tmp_path / "values.json"
    values.write_text(json.dumps(rest_values(rest, server, "{{secrets.API_TOKEN}}")))
    call_command("dryrun", REST_ID, "--values", str(values), "--version", "18")
    capsys.readouterr()
    run = rerun(Run.objects.get(), staff)  # the operator's run: nobody else's values
    assert run.outcome == "completed", run.stored_outcome
    assert run.secrets_as == staff
