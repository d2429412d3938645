"""Camunda's REST template (v18) with a named `io.camunda.connectors:rest-authentication:1`
credential, dry-run through the real Celery worker against a local HTTP server: the credential's
authentication and its own `url` (v2) are used, the task's URL overrides the credential's, and a
wrong token in the credential gives REST's usual HTTP error with the token nowhere in the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.credentials.services import credential_save
from connectors.models import Run
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401
from tests.services.http_servers import Recorded, RecordingServer, Reply

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
TOKEN = "rest-credential-token-Zp4-77"


@pytest.fixture
def api() -> Iterator[RecordingServer]:
    """Answers 200 only with the right bearer token, 401 otherwise."""

    def guarded(request: Recorded) -> Reply:
        if request.header("Authorization") == f"Bearer {TOKEN}":
            return Reply(json={"path": request.path})
        return Reply(status=401, json={"error": "bad token"})

    with RecordingServer() as server:
        server.route("/orders", guarded)
        server.route("/invoices", guarded)
        yield server


def bearer_credential(version: Any, user: Any, token: str, url: str) -> None:
    credential_save(
        definition=version.content["configurationTemplates"][0],
        name="orders_api",
        values={"authentication.type": "bearer", "authentication.token": token, "url": url},
        user=user,
    )


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def chosen(**more: Any) -> dict[str, Any]:
    return {"authenticationConfiguration": "=camunda.vars.env.orders_api", "method": "GET", **more}


def test_the_credential_brings_its_token_and_its_url(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    api: RecordingServer,
    user: Any,
) -> None:
    bearer_credential(versions[REST_ID], user, TOKEN, f"{api.url}/orders")

    run = dry_run(versions[REST_ID], chosen(), user)

    assert run.outcome == "completed", run.error_message
    assert run.outcome_record.variables == {"myResponseBody": {"path": "/orders"}}
    assert api.last("/orders").header("Authorization") == f"Bearer {TOKEN}"
    assert run.job["variables"]["authenticationConfiguration"] == "{{credentials.orders_api}}"
    assert TOKEN not in stored(run)


def test_the_tasks_url_overrides_the_credentials(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    api: RecordingServer,
    user: Any,
) -> None:
    bearer_credential(versions[REST_ID], user, TOKEN, f"{api.url}/orders")

    run = dry_run(versions[REST_ID], chosen(url=f"{api.url}/invoices"), user)

    assert run.outcome == "completed", run.error_message
    assert run.outcome_record.variables == {"myResponseBody": {"path": "/invoices"}}
    assert [r.path for r in api.requests] == ["/invoices"]


def test_a_wrong_token_in_the_credential_fails_as_http_401_without_the_token(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    api: RecordingServer,
    user: Any,
) -> None:
    wrong = "Wrong-Token-in-a-REST-credential-5"
    bearer_credential(versions[REST_ID], user, wrong, f"{api.url}/orders")

    run = dry_run(versions[REST_ID], chosen(), user)

    assert run.outcome == "failed"
    assert run.outcome_record.error is not None and run.outcome_record.error.code == "401"
    assert api.last("/orders").header("Authorization") == f"Bearer {wrong}"
    assert wrong not in stored(run)
