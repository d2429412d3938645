"""A secret used by a dry-run reaches the connector (inside the worker) and nowhere else: not
the stored run, not the run page, not the API, not the worker's log. Connectors that hand their
input back (the no-op, the test echo) never receive it."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from connectors.models import Run, SecretAuditEvent
from connectors.runs.services import run_start
from connectors.secrets.services import secret_create

from .conftest import respond_url, wait_done

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
CANARY = "leak-canary-7Qx9-p4ss"
SPELLINGS = [CANARY, json.dumps(CANARY)[1:-1], base64.b64encode(CANARY.encode()).decode()]


def assert_clean(text: str, where: str) -> None:
    for spelling in SPELLINGS:
        assert spelling not in text, f"the secret shows in {where}"


def test_secret_is_used_in_the_worker_and_never_stored_or_shown(
    runs_worker: Any, catalogue: dict, http_server: Any, signed_in_client: Any, user: Any
) -> None:
    secret_create(name="API_KEY", value=CANARY, user=user)
    # the server answers with the body it is given in the URL, so this one echoes the secret
    echoing = respond_url(http_server, 200, {"echo": "secrets.API_KEY"})
    runs = [
        # connectors that hand their input back declare that they take no secrets: refused
        run_start(version=catalogue["test.echo"], values={"text": "{{secrets.API_KEY}}"},
                  variables={}, user=user),
        run_start(version=catalogue["io.connectorhub.noop"],
                  values={"echo": '="{{secrets.API_KEY}}"',
                          "resultExpression": "={a: substring(response.echo, 2)}"},
                  variables={}, user=user),
        # a connector that takes secrets, and a server that sends the value back
        run_start(version=catalogue["test.http"],
                  values={"url": echoing, "token": "{{secrets.API_KEY}}", "resultVariable": "r"},
                  variables={}, user=user),
        run_start(version=catalogue["test.http"],
                  values={"url": respond_url(http_server, 401, {"echo": "bad"}),
                          "token": "{{secrets.API_KEY}}", "resultVariable": "r",
                          "errorExpression": '=jobError("no: " + error.message, error.variables)'},
                  variables={"note": "{{secrets.API_KEY}}"}, user=user),
    ]  # fmt: skip
    done = [wait_done(run.pk) for run in runs]
    assert [run.outcome for run in done] == ["failed", "failed", "completed", "failed"], [
        run.error_message for run in done
    ]

    for refused in done[:2]:
        assert refused.error_message.startswith(
            "Secret 'API_KEY' may not be used in this dry-run: the connector does not accept "
            "secrets"
        )
    # it was really used: the HTTP server saw the header, and its echo is masked
    assert any(
        r["headers"].get("Authorization") == f"Bearer {CANARY}" for r in http_server.requests
    )
    assert done[2].outcome_record.variables["r"]["body"] == {"echo": "***"}
    assert done[2].outcome_record.exchanges[0]["request_headers"]["Authorization"] == "Bearer ***"
    assert done[3].error_message.startswith("no: Unauthorized")
    assert done[3].outcome_record.exchanges[0]["request_headers"]["Authorization"] == "Bearer ***"
    # the stored run keeps the reference, never the value
    assert done[0].values == {"text": "{{secrets.API_KEY}}"}
    assert done[0].job["variables"]["text"] == "{{secrets.API_KEY}}"
    uses = SecretAuditEvent.objects.filter(secret_name="API_KEY", action="use")
    assert sorted(int(e.run_id) for e in uses) == [runs[2].pk, runs[3].pk]

    for run in done:
        row = Run.objects.filter(pk=run.pk).values().get()
        assert_clean(json.dumps(row, default=str), f"run {run.pk} in the database")
        page = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
        assert_clean(page, f"the page of run {run.pk}")
        api = signed_in_client.get(f"/api/v1/runs/{run.pk}/").content.decode()
        assert_clean(api, f"the API answer for run {run.pk}")
    assert "***" in signed_in_client.get(reverse("run-detail", args=[runs[2].pk])).content.decode()
    history = signed_in_client.get(reverse("run-list")).content.decode()
    assert_clean(history, "the run history")
    log = runs_worker.log_path.read_text(errors="replace")
    # the connector's log lines reach the worker log, masked
    assert re.search(r"GET \S*\*\*\*\S* -> 200", log)
    assert_clean(log, "the worker log")
