"""Who may use a credential in a dry-run, as for secrets (docs/secrets.md): its owner, and staff;
a run of anyone else fails before any value is decrypted, naming the credential and why."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import SecretAuditEvent
from connectors.runs.services import run_execute, run_start
from tests.credentials.conftest import aws_credential

pytestmark = pytest.mark.django_db

VALUES = {"awsCredential": "=camunda.vars.env.ada_aws", "queue.url": "http://127.0.0.1:9/q",
          "queue.messageBody": "hello"}  # fmt: skip


def run_as(version: Any, user: Any) -> Any:
    run = run_start(version=version, values=VALUES, variables={}, user=user, enqueue=False)
    return run_execute(run.pk)


def test_someone_elses_credential_is_refused_in_a_dry_run(
    sqs_version: Any, user: Any, other_user: Any
) -> None:
    aws_credential(user, "ada_aws", access_key="A", secret_key="S3cret-of-ada", region="eu-west-1")

    done = run_as(sqs_version, other_user)

    assert done.outcome == "failed"
    assert "credential:ada_aws" in done.error_message
    assert "only its owner or a staff user may use it" in done.error_message


def test_staff_may_use_it_and_nothing_computed_from_it_is_shown(
    sqs_version: Any, user: Any, django_user_model: Any
) -> None:
    aws_credential(user, "ada_aws", access_key="A", secret_key="S3cret-of-ada", region="eu-west-1")
    staff = django_user_model.objects.create_user("root", password="x", is_staff=True)

    done = run_as(sqs_version, staff)

    # resolved and audited (the egress policy then refused the loopback address it called)
    use = SecretAuditEvent.objects.get(run_id=str(done.pk), action="use")
    assert use.secret_name == "credential:ada_aws" and use.actor == staff
    assert "S3cret-of-ada" not in done.error_message
